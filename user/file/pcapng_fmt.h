/* The pcapng format as the writer (pcapng_write.c) and the reader
 * (pcapng_read.c) share it: block types, option codes, limits. Internal to
 * user/file; the API is pcapng.h. */
#ifndef OFFCAP_PCAPNG_FMT_H
#define OFFCAP_PCAPNG_FMT_H

#include <stddef.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1
#define BT_PB 2			/* obsolete Packet Block */
#define BT_SPB 3
#define BT_ISB 5
#define BT_EPB 6
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_CUSTOM_BIN 2989	/* binary, may be copied */
#define OPT_CUSTOM_BIN_NOCOPY 19373
#define SHB_HARDWARE 2
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define IF_TSOFFSET 14
#define EPB_FLAGS 2
#define EPB_DROPCOUNT 4
#define EPB_QUEUE 6
#define EPB_VERDICT 7
#define EPB_VERDICT_XDP 2	/* eBPF XDP: 8 bytes, an XDP_* action */
#define ISB_STARTTIME 2
#define ISB_ENDTIME 3
#define ISB_IFRECV 4
#define ISB_IFDROP 5

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du

#define WBUF_SIZE (1u << 20)
#define RBUF_SIZE (256u << 10)
#define MAP_WINDOW (8u << 20)	/* bytes of a plain file mapped at a time */
#define MAX_CAPLEN (16u << 20)
#define MAX_BLOCK (64u << 20)
#define IF_CHUNK 64u
#define MAX_IFACES OC_MAX_IFACES
#define MAX_OPTLEN 0xffffu

static inline size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

#endif
