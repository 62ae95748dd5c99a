#ifndef RI_FFMPEG_SHIM_H
#define RI_FFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavutil/audio_fifo.h>
#include <malloc.h>
#include <libavutil/samplefmt.h>

// Function-like macros and compound literals that Swift cannot import.

static inline int ri_averror(int posix_errno) { return AVERROR(posix_errno); }
static inline int ri_averror_eof(void) { return AVERROR_EOF; }
static inline int ri_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int ri_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int ri_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int ri_averror_encoder_not_found(void) { return AVERROR_ENCODER_NOT_FOUND; }
static inline int ri_averror_enomem(void) { return AVERROR(ENOMEM); }
static inline int ri_averror_einval(void) { return AVERROR(EINVAL); }
static inline int ri_av_probe_padding_size(void) { return AVPROBE_PADDING_SIZE; }
static inline int ri_avprobe_score_retry(void) { return AVPROBE_SCORE_RETRY; }
static inline int64_t ri_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational ri_av_time_base_q(void) { return AV_TIME_BASE_Q; }

/// Worker memory policy: picture buffers (megabytes each) are allocated and freed per frame on several threads.
/// A fixed mmap threshold hands them back to the system on free, and two arenas stop each thread keeping its own
/// heap of freed pictures, so peak RSS stays near what is live.
static inline void ri_tune_malloc_for_pictures(void) {
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_ARENA_MAX, 2);
}

/// av_strerror into a caller-owned buffer; always NUL-terminated.
static inline int ri_av_strerror(int code, char *buffer, size_t size) {
    int ret = av_strerror(code, buffer, size);
    if (size > 0) buffer[size - 1] = '\0';
    return ret;
}

#endif
