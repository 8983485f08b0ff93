/* The capture filter as offcap capture and Wireshark's filter check compile
 * it (oc_kfilter): libpcap's user-space verdicts (oc_kfilter_match, for the
 * packets the kernel leaves undecided) on frames as the file holds them,
 * what the kernel decides and what it leaves, and what is refused. The
 * kernel's own verdicts: test_cbpf.c and tests/integration/filter_*.sh. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "kfilter.h"
#include "log.h"
#include "pkt.h"

static uint32_t tcp_frame(uint8_t *buf, unsigned dport)
{
	struct pkt p = { .b = buf };
	uint32_t ip;

	eth(&p, 0x0800);
	ip = ipv4(&p, 6, 1, HOST4_A, HOST4_B);
	tcp(&p, 40000, dport, 1, 0x010, NULL, 0);
	ipv4_done(&p, ip);
	return p.n;
}

int main(void)
{
	uint8_t buf[256];
	struct oc_packet pkt = { .data = buf };
	char err[256] = "";
	struct oc_kfilter *f;
	int rc;

	pkt.caplen = pkt.len = tcp_frame(buf, 5201);
	rc = oc_kfilter_compile("tcp port 5201", &f);
	CHECK(!rc && f != NULL, "compiles 'tcp port 5201' (%s)", oc_log_last_err());
	CHECK(f && f->link[OC_KF_L2].ok && f->link[OC_KF_L3].ok, "for Ethernet and raw IP");
	CHECK_EQ(oc_kfilter_match(f, OC_KF_L2, &pkt), 1, "libpcap in user space: a segment to port 5201 passes");
	pkt.caplen = pkt.len = tcp_frame(buf, 80);
	CHECK_EQ(oc_kfilter_match(f, OC_KF_L2, &pkt), 0, "libpcap in user space: a segment to port 80 does not");
	CHECK(f && oc_kfilter_decides(f, OC_KF_L2) && oc_kfilter_decides(f, OC_KF_L3) &&
	      oc_kfilter_describe(f, OC_KF_L2, err, sizeof(err)) == 0 && strstr(err, "every part runs in the kernel"),
	      "'tcp port 5201': the kernel decides every packet on both link types (%s)", err);
	pkt.len = 65226;	/* a super-frame: the headers are what the filter reads */
	CHECK_EQ(oc_kfilter_match(f, OC_KF_L2, &pkt), 0, "the original length does not matter to a port filter");
	oc_kfilter_free(f);
	rc = oc_kfilter_compile("greater 9000", &f);
	CHECK(f && oc_kfilter_match(f, OC_KF_L2, &pkt) == 1, "'greater 9000' sees a super-frame's true length");
	oc_kfilter_free(f);
	rc = oc_kfilter_compile("", &f);
	CHECK(f && oc_kfilter_match(f, OC_KF_L2, &pkt) == 1, "an empty filter passes every packet");
	oc_kfilter_free(f);
	rc = oc_kfilter_compile("arp", &f);
	CHECK(f && f->link[OC_KF_L2].ok && f->link[OC_KF_L3].rejects_all,
	      "'arp' compiles, and rejects every packet of a raw-IP device");
	oc_kfilter_free(f);
	rc = oc_kfilter_compile("tcp or ether[1024] = 0", &f);
	CHECK(f && f->link[OC_KF_L2].ok && !oc_kfilter_decides(f, OC_KF_L2) &&
	      oc_kfilter_describe(f, OC_KF_L2, err, sizeof(err)) == 1 && strstr(err, "ldb      [1024]"),
	      "'tcp or ether[1024] = 0' translates; the load past the copy is named (%s)", err);
	oc_kfilter_free(f);
	rc = oc_kfilter_compile("inbound or ifindex 3", &f);
	CHECK(f && f->link[OC_KF_L2].ok && oc_kfilter_decides(f, OC_KF_L2),
	      "'inbound or ifindex 3' translates and runs in the kernel (%s)", f ? "" : oc_log_last_err());
	oc_kfilter_free(f);
	oc_log_setup(NULL, OC_LOG_QUIET);	/* the refusals below: their words are checked */
	rc = oc_kfilter_compile("tcp prot 80", &f);
	CHECK(rc == -EINVAL && !f && strstr(oc_log_last_err(), "tcp prot 80") && strlen(oc_log_last_err()) > 20,
	      "a typo is refused (-EINVAL) with libpcap's reason: %s", oc_log_last_err());
	rc = oc_kfilter_compile("ip protochain 6", &f);
	CHECK(rc == -EOPNOTSUPP && !f && strstr(oc_log_last_err(), "jumps backward"),
	      "protochain (a loop) is refused (-EOPNOTSUPP), as capture refuses it: %s", oc_log_last_err());
	oc_log_setup(NULL, OC_LOG_WARN);
	oc_kfilter_free(NULL);
	return check_done();
}
