#include "gsolimits.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void take(struct oc_gso_limits *l, const struct rtattr *a)
{
	uint32_t v;

	if (RTA_PAYLOAD(a) < sizeof(v))
		return;
	memcpy(&v, RTA_DATA(a), sizeof(v));
	switch (a->rta_type) {
	case IFLA_GSO_MAX_SIZE: l->gso_max_size = v; break;
	case IFLA_GSO_MAX_SEGS: l->gso_max_segs = v; break;
	case IFLA_GRO_MAX_SIZE: l->gro_max_size = v; break;
	case IFLA_TSO_MAX_SIZE: l->tso_max_size = v; break;
	default: break;
	}
}

static int parse(const uint8_t *buf, long n, struct oc_gso_limits *l)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

	if (n < (long)NLMSG_LENGTH(sizeof(struct ifinfomsg)) || !NLMSG_OK(h, (unsigned)n) ||
	    h->nlmsg_type != RTM_NEWLINK)
		return -1;
	{
		const struct ifinfomsg *ifi = NLMSG_DATA(h);
		int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));

		for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
			take(l, a);
	}
	return 0;
}

int oc_gso_limits_read(int ifindex, struct oc_gso_limits *l)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = { .h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST,
			 .nlmsg_seq = 1 },
		  .i = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex } };
	struct timeval tv = { .tv_sec = 1 };
	uint8_t buf[16384] __attribute__((aligned(4)));
	int fd, rc = -1;
	long n;

	memset(l, 0, sizeof(*l));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, &req, sizeof(req), 0) == (long)sizeof(req) && (n = recv(fd, buf, sizeof(buf), 0)) > 0)
		rc = parse(buf, n, l);
	close(fd);
	return rc;
}
