#ifndef RI_CCURL_SHIM_H
#define RI_CCURL_SHIM_H

// Swift cannot call C variadic functions, so curl_easy_setopt, curl_easy_getinfo
// and curl_multi_setopt get one typed, non-variadic wrapper per argument type.
// Only IngestPublish imports this module (see DESIGN.md: C interop stays in the owner module).

#include <curl/curl.h>

// MARK: - curl_easy_setopt

static inline CURLcode ri_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ri_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ri_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ri_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ri_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION (curl_write_callback).
static inline CURLcode ri_curl_easy_setopt_write_callback(CURL *handle, CURLoption option,
                                                          curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// CURLOPT_READFUNCTION (curl_read_callback; same shape as the write callback, distinct typedef).
static inline CURLcode ri_curl_easy_setopt_read_callback(CURL *handle, CURLoption option,
                                                         curl_read_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// CURLOPT_SEEKFUNCTION.
static inline CURLcode ri_curl_easy_setopt_seek_callback(CURL *handle, CURLoption option,
                                                         curl_seek_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// CURLOPT_XFERINFOFUNCTION.
static inline CURLcode ri_curl_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option,
                                                             curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// MARK: - curl_easy_getinfo

static inline CURLcode ri_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ri_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ri_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

// The returned string is owned by the handle and valid until the next call on it.
static inline CURLcode ri_curl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

// MARK: - curl_multi_setopt

static inline CURLMcode ri_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

static inline CURLMcode ri_curl_multi_setopt_pointer(CURLM *handle, CURLMoption option, void *value) {
    return curl_multi_setopt(handle, option, value);
}

// MARK: - Constants Swift does not import

// Composite macros are not imported as Swift constants; expose the ones we use.
static inline long ri_curl_global_all(void) { return CURL_GLOBAL_ALL; }
static inline size_t ri_curl_error_size(void) { return CURL_ERROR_SIZE; }
static inline size_t ri_curl_readfunc_abort(void) { return CURL_READFUNC_ABORT; }
// CURLVERSION_NOW aliases whichever CURLVERSION_* the headers are at, so it must be resolved in C.
static inline CURLversion ri_curl_version_now(void) { return CURLVERSION_NOW; }

#endif
