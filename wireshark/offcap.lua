-- offcap.lua: Wireshark/tshark post-dissector for offcap captures.
--
-- Turns the metadata offcap stores per packet into real fields (offcap.point,
-- offcap.gso_segs, ...) so display filters, columns and statistics work:
--   tshark -X lua_script:offcap.lua -r cap.pcapng -Y 'offcap.gso_segs > 1'
-- It reads only what is in the file: the packet comment (grammar in offcap(8)
-- and the README, "Packet comment"; versions 1 and 2), epb_flags, epb_queue
-- and the interface block's name and description. Any offcap capture works,
-- older ones included; packets of other tools are left alone.
--
-- Install: copy to ~/.local/lib/wireshark/plugins/ (or `make install`).

local offcap = Proto("offcap", "offcap offload metadata")

-- offcap's hook points (user/kernel/hook.c oc_hooks[]) and whether they see received packets
local HOOK_POINTS = { ["xdp"] = "in", ["pre-gro"] = "in", ["tc-ingress"] = "in",
	["tc-egress"] = "out", ["post-gso"] = "out" }

local pf = {
	point = ProtoField.string("offcap.point", "Hook point"),
	iface = ProtoField.string("offcap.iface", "Interface"),
	netns = ProtoField.string("offcap.netns", "Network namespace"),
	netns_ino = ProtoField.uint32("offcap.netns_ino", "Network namespace inode"),
	ifindex = ProtoField.uint32("offcap.ifindex", "Interface index"),
	dir = ProtoField.string("offcap.dir", "Direction"),
	len = ProtoField.uint32("offcap.len", "True length (skb->len, bytes)"),
	gso_size = ProtoField.uint16("offcap.gso_size", "gso_size (payload bytes per wire segment)"),
	gso_segs = ProtoField.uint16("offcap.gso_segs", "gso_segs (wire segments)"),
	gso_type = ProtoField.string("offcap.gso_type", "gso_type"),
	csum = ProtoField.string("offcap.csum", "Checksum state (ip_summed)"),
	vlan = ProtoField.uint16("offcap.vlan", "Offloaded VLAN id (re-inserted)"),
	vlan_proto = ProtoField.uint16("offcap.vlan_proto", "Offloaded VLAN TPID", base.HEX),
	vlan_pcp = ProtoField.uint8("offcap.vlan_pcp", "Offloaded VLAN priority"),
	vlan_dei = ProtoField.uint8("offcap.vlan_dei", "Offloaded VLAN DEI"),
	queue = ProtoField.uint32("offcap.queue", "Queue (epb_queue)"),
	mtu = ProtoField.uint32("offcap.mtu", "Interface MTU (bytes)"),
	over_mtu = ProtoField.bool("offcap.over_mtu", "Longer than the MTU"),
	artefact = ProtoField.string("offcap.artefact", "Offload artefact"),
	wire_segments = ProtoField.uint32("offcap.wire_segments", "Wire segments"),
	real_over_mtu = ProtoField.bool("offcap.real_over_mtu", "REAL over-MTU frame"),
	version = ProtoField.uint8("offcap.version", "Comment grammar version"),
	flags = ProtoField.uint32("offcap.flags", "epb_flags", base.HEX),
	flag_csum_not_ready = ProtoField.bool("offcap.flags.csum_not_ready",
		"Checksum not ready (CHECKSUM_PARTIAL: the device fills it in)", 32, nil, 0x200),
	flag_csum_valid = ProtoField.bool("offcap.flags.csum_valid", "Checksum verified", 32, nil, 0x400),
	flag_tso = ProtoField.bool("offcap.flags.tso", "TCP segmentation offloaded", 32, nil, 0x800),
}
offcap.fields = pf

local ef = {
	artefact = ProtoExpert.new("offcap.artefact.expert", "Offload artefact",
		expert.group.SEQUENCE, expert.severity.NOTE),
	real_over_mtu = ProtoExpert.new("offcap.real_over_mtu.expert", "REAL over-MTU frame",
		expert.group.PROTOCOL, expert.severity.WARN),
}
offcap.experts = ef

-- 1500: OC_DEFAULT_MTU (user/analysis/wire.h), what report, split and stats assume
offcap.prefs.default_mtu = Pref.uint("MTU when the file does not say", 1500,
	"MTU for interfaces whose description gives none (tcpdump files edited to carry offcap comments), as offcap report, split and stats assume; 0: unknown")

local f_comment = Field.new("frame.comment")
local f_if_name = Field.new("frame.interface_name")
local f_if_descr = Field.new("frame.interface_description")
local f_flags = Field.new("frame.packet_flags")
local f_queue = Field.new("frame.interface_queue")
local f_encap = Field.new("frame.encap_type")
local f_tcp_len = Field.new("tcp.len")
local f_udp_len = Field.new("udp.length")

local NUMERIC = { len = true, gso_size = true, gso_segs = true, ifindex = true, netns_ino = true,
	vlan = true, vlan_pcp = true, vlan_dei = true, v = true }

-- "point=tc-egress len=65226 ..." -> table, or nil when not offcap's metadata.
local function parse_comment(text)
	local m = {}
	for token in text:gmatch("%S+") do
		local k, v = token:match("^([%w_]+)=(.*)$")
		if k and m.point == nil and k ~= "point" then return nil end
		if k == nil and m.point == nil then return nil end
		if k then
			if NUMERIC[k] then
				v = tonumber(v)
				if v == nil then return nil end
			elseif k == "vlan_proto" then
				v = tonumber(v:match("^0x(%x+)$") or "", 16)
				if v == nil then return nil end
			end
			m[k] = v
		end
	end
	if not (m.point and HOOK_POINTS[m.point] and m.len) then return nil end
	m.v = m.v or 1
	return m
end

local function packet_meta()
	for _, c in ipairs({ f_comment() }) do
		local m = parse_comment(tostring(c.value))
		if m then return m end
	end
	return nil
end

-- The interface block: "NS/IFNAME@HOOK" or "IFNAME@HOOK", and the MTU and
-- namespace from the description ("mtu=1500", "MTU 1500", "netns=ns1").
local facts_cache = {}

local function parse_iface(name, descr)
	local f = {}
	if name then
		local n = tostring(name.value)
		local ns, ifn = n:match("^([^/]+)/([^@]+)@")
		f.netns, f.iface = ns, ifn or n:match("^([^@]+)@") or n
	end
	if descr then
		local d = tostring(descr.value)
		f.mtu = tonumber(d:match("mtu=(%d+)") or d:match("[Mm][Tt][Uu][ =:](%d+)") or "")
		f.netns = f.netns or d:match("netns=([^%s;]+)")
		f.netns_ino = tonumber(d:match("netns_ino=(%d+)") or "")
		if f.netns and f.netns:match("^%d+$") then f.netns = nil end
	end
	if not f.mtu and offcap.prefs.default_mtu > 0 then f.mtu = offcap.prefs.default_mtu end
	return f
end

-- One parse per interface block (its name and description do not change).
local function iface_facts()
	local name, descr = f_if_name(), f_if_descr()
	local key = (name and tostring(name.value) or "") .. "\0" .. (descr and tostring(descr.value) or "")
	local f = facts_cache[key]
	if not f then
		f = parse_iface(name, descr)
		facts_cache[key] = f
	end
	return f
end

function offcap.init()
	facts_cache = {}	-- a new file, or changed preferences
end

local function add_flags(tree, flags)
	local t = tree:add(pf.flags, flags)
	t:add(pf.flag_csum_not_ready, flags)
	t:add(pf.flag_csum_valid, flags)
	t:add(pf.flag_tso, flags)
end

-- Wiretap's encapsulations: the link header's length and where its type is.
local LINK = { [1] = { 14, 12 }, [25] = { 16, 14 }, [210] = { 20, 0 } }
local RAW = { [7] = true, [129] = true, [130] = true }

-- What the wire carries, as user/analysis/wire.c's oc_wire_l3_len (stats, report and
-- split): the outer IP packet's length (IPv4 tot_len, IPv6 payload_len + 40;
-- the frame's rest when the field is 0), else the frame less its link header
-- and every VLAN tag.
local function wire_l3_len(tvb)
	local caplen, len = tvb:len(), tvb:reported_len()
	local encap = f_encap() and f_encap().value or 1
	local off, ty = 0, nil
	local function u16(at) return at + 2 <= caplen and tvb(at, 2):uint() or nil end
	if RAW[encap] then
		ty = caplen > 0 and bit.rshift(tvb(0, 1):uint(), 4) == 6 and 0x86dd or 0x0800
	elseif LINK[encap] then
		off, ty = LINK[encap][1], u16(LINK[encap][2])
		for _ = 1, 8 do
			if not (ty == 0x8100 or ty == 0x88a8 or ty == 0x9100) or off + 4 > caplen then break end
			ty, off = u16(off + 2), off + 4
		end
	end
	local rest = len > off and len - off or 0
	local v = off < caplen and bit.rshift(tvb(off, 1):uint(), 4) or nil
	if ty == 0x0800 and v == 4 and off + 4 <= caplen then
		local n = u16(off + 2)
		return n > 0 and n or rest
	end
	if ty == 0x86dd and v == 6 and off + 6 <= caplen then
		local n = u16(off + 4)
		return n > 0 and n + 40 or rest
	end
	return rest
end

-- The L4 payload of the flow's layer (the innermost TCP or UDP header), nil
-- when there is none.
local function l4_payload()
	local t, u = { f_tcp_len() }, { f_udp_len() }
	if #t > 0 then return t[#t].value end
	if #u > 0 then return u[#u].value - 8 end
	return nil
end

-- The one super-frame rule, as user/file/meta.h's oc_meta_superframe: gso_size
-- set, and gso_segs > 1 or more L4 payload than gso_size (no TCP/UDP: no
-- payload).  Returns its wire segments, or nil.
local function superframe_segments(m, payload)
	local size, segs = m.gso_size or 0, m.gso_segs or 0
	if size == 0 then return nil end
	if segs > 1 then return segs end
	if payload and payload > size then return math.ceil(payload / size) end
	return nil
end

-- What the frame is: a super-frame/merge and its wire segments, or a frame
-- longer than the MTU where only wire-sized frames belong.
local function classify(m, facts, l3len)
	local c = { segments = 1 }
	local n = superframe_segments(m, l4_payload())
	if n then
		c.segments = n
		c.artefact = HOOK_POINTS[m.point] == "in" and "GRO/LRO merge" or "TSO/GSO super-frame"
	end
	if facts.mtu and facts.mtu > 0 then
		c.l3len = l3len
		c.over_mtu = l3len > facts.mtu
		c.real = c.over_mtu and c.artefact == nil and not (m.gso_size and m.gso_size > 0 and m.point ~= "xdp")
	end
	return c
end

local function add_meta(tree, m, facts)
	tree:add(pf.point, m.point)
	if facts.iface then tree:add(pf.iface, facts.iface) end
	if facts.netns then tree:add(pf.netns, facts.netns) end
	if m.netns_ino or facts.netns_ino then tree:add(pf.netns_ino, m.netns_ino or facts.netns_ino) end
	if m.ifindex then tree:add(pf.ifindex, m.ifindex) end
	tree:add(pf.len, m.len)
	if m.gso_size then tree:add(pf.gso_size, m.gso_size) end
	if m.gso_segs then tree:add(pf.gso_segs, m.gso_segs) end
	if m.gso_type then tree:add(pf.gso_type, m.gso_type) end
	if m.csum then tree:add(pf.csum, m.csum) end
	if m.vlan then
		tree:add(pf.vlan, m.vlan)
		if m.vlan_proto then tree:add(pf.vlan_proto, m.vlan_proto) end
		tree:add(pf.vlan_pcp, m.vlan_pcp or 0)
		tree:add(pf.vlan_dei, m.vlan_dei or 0)
	end
	tree:add(pf.version, m.v)
end

local function add_verdict(tree, m, facts, tvb)
	local c = classify(m, facts, wire_l3_len(tvb))
	if facts.mtu then
		tree:add(pf.mtu, facts.mtu)
		tree:add(pf.over_mtu, c.over_mtu)
	end
	tree:add(pf.wire_segments, c.segments)
	if c.artefact then
		local t = tree:add(pf.artefact, c.artefact)
		t:add_proto_expert_info(ef.artefact, string.format("offload artefact (%s), %d wire segments",
			c.artefact, c.segments))
	end
	if c.real then
		local t = tree:add(pf.real_over_mtu, true)
		t:add_proto_expert_info(ef.real_over_mtu, string.format(
			"REAL over-MTU frame: %d bytes on a %d-byte MTU at %s, no offload explains it",
			c.l3len, facts.mtu, m.point))
	end
end

function offcap.dissector(tvb, pinfo, tree)
	local m = packet_meta()
	if not m then return end
	local facts = iface_facts()
	local t = tree:add(offcap, string.format("offcap: %s on %s, %d bytes%s", m.point,
		facts.iface or "?", m.len,
		(m.gso_segs or 0) > 1 and string.format(", gso_segs %d x gso_size %d", m.gso_segs,
			m.gso_size or 0) or ""))
	add_meta(t, m, facts)
	local flags = f_flags()
	if flags then
		local v = flags.value
		t:add(pf.dir, bit.band(v, 3) == 1 and "in" or bit.band(v, 3) == 2 and "out" or "unknown")
		add_flags(t, v)
	end
	local q = f_queue()
	if q then t:add(pf.queue, q.value) end
	add_verdict(t, m, facts, tvb)
	pinfo.private["offcap"] = "1"
end

register_postdissector(offcap)
