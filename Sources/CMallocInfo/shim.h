#ifndef RI_MALLOCINFO_SHIM_H
#define RI_MALLOCINFO_SHIM_H

// glibc's allocator statistics (mallinfo2), which Swift's Glibc module leaves out. Read by IngestAPI's ProcessHeap.
#include <malloc.h>

#endif
