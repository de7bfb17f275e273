// The dissection logic of the Wireshark Lua plugin (`mipscope export wireshark-lua`), in Lua 5.2
// (Wireshark 3.6 and later). It mirrors dissector/mip and dissector/kx step by step; every field
// and expert item it names as F["abbrev"] / E["abbrev"] is declared by the generator from the
// registry (lua.ts), which refuses a name the registry does not know. The tables it reads
// (EXT_LAYOUT, KX_ORDER, value names, key sizes) are generated as well.
export const LUA_DISSECTOR = String.raw`
-- Bounded reads: running past the end raises TRUNC, which the caller turns into an expert item.
local TRUNC = {}
local function cursor(tvb, pos, stop) return { tvb = tvb, pos = pos, stop = stop } end
local function remaining(c) return c.stop - c.pos end
local function take(c, n)
  if n < 0 or c.pos + n > c.stop then error(TRUNC, 0) end
  local r = c.tvb(c.pos, n)
  c.pos = c.pos + n
  return r
end
local function peek_u8(c)
  if c.pos + 1 > c.stop then error(TRUNC, 0) end
  return c.tvb(c.pos, 1):uint()
end
-- Adds a field read from the cursor; returns the item and the range.
local function add(parent, field, c, n)
  local r = take(c, n)
  return parent:add(field, r), r
end
local function add_u(parent, field, c, n)
  local r = take(c, n)
  local v = r:uint()
  return parent:add(field, r), v
end
local function add_text(parent, field, c, n)
  local r = take(c, n or remaining(c))
  return parent:add_packet_field(field, r, ENC_UTF_8)
end
local function hexstr(r)
  if r:len() == 0 then return "" end
  return string.lower(r:bytes():tohex())
end
local function expert_at(item, e, msg) item:add_proto_expert_info(e, msg) end
local function ip_at(tvb, o) return tostring(tvb(o, 4):ipv4()) end
local function spi_hex(v) return string.format("0x%08x", v) end
local function plural(n, word) if n == 1 then return n .. " " .. word end return n .. " " .. word .. "s" end

-- Runs fn; a read past the end becomes the expert item named by on_trunc.
local function guarded(fn, on_trunc)
  local ok, err = pcall(fn)
  if ok then return true end
  if err == TRUNC then on_trunc(); return false end
  error(err, 0)
end

local verify_authenticators
local json_null = {}
local function kx_type(kind) return mipscope.prefs["kx.type." .. kind] end
local function kx_kind(t)
  for _, k in ipairs(KX_ORDER) do if kx_type(k) == t then return k end end
  return nil
end

---------------------------------------------------------------------------------------------
-- Messages (RFC 5944 §3.3, §3.4; RFC 3519 §3.3; RFC 3543 §3.1-3.2; KX types 8 and 9)
---------------------------------------------------------------------------------------------
local MSG = {}

local function identification(m, c)
  local r = take(c, 8)
  m.node:add_packet_field(F["mip.ident"], r, ENC_TIME_NTP + ENC_BIG_ENDIAN)
  m.node:add(F["mip.ident.hex"], r, r:uint64()):set_generated(true)
end

-- Fields read one after the other: { field, size } pairs.
local function add_seq(parent, c, list)
  for _, fs in ipairs(list) do add(parent, fs[1], c, fs[2]) end
end

local function flag_bits(item, r, fields)
  for _, f in ipairs(fields) do item:add(f, r) end
end

MSG[1] = function(m, c)
  local tvb = m.tvb
  if m.len >= 16 then m.info = "Reg Request: HoA=" .. ip_at(tvb, 4) .. " HA=" .. ip_at(tvb, 8) .. " CoA=" .. ip_at(tvb, 12) end
  local fi, r = add(m.node, F["mip.flags"], c, 1)
  flag_bits(fi, r, { F["mip.s"], F["mip.b"], F["mip.d"], F["mip.m"], F["mip.g"], F["mip.v"], F["mip.t"], F["mip.x"] })
  local flags = r:uint()
  if bit.band(flags, 0x05) ~= 0 then
    expert_at(fi, E["mip.reserved.nonzero"], string.format("Reserved flag bit(s) set in a Registration Request (0x%02x; RFC 5944 §3.3)", bit.band(flags, 0x05)))
  end
  add_seq(m.node, c, { { F["mip.life"], 2 }, { F["mip.homeaddr"], 4 }, { F["mip.haaddr"], 4 }, { F["mip.coa"], 4 } })
  identification(m, c)
  m.ext_start = c.pos
end

MSG[3] = function(m, c)
  local tvb = m.tvb
  if m.len >= 12 then m.info = "Reg Reply: HoA=" .. ip_at(tvb, 4) .. " HA=" .. ip_at(tvb, 8) .. ", Code=" .. tvb(1, 1):uint() end
  add_seq(m.node, c, { { F["mip.code"], 1 }, { F["mip.life"], 2 }, { F["mip.homeaddr"], 4 }, { F["mip.haaddr"], 4 } })
  identification(m, c)
  m.ext_start = c.pos
end

MSG[4] = function(m, c, pinfo, tree)
  if m.len >= 2 then m.info = "Tunnel Data: Next Header=" .. m.tvb(1, 1):uint() end
  local _, nxt = add_u(m.node, F["mip.nattt.nexthdr"], c, 1)
  add(m.node, F["mip.nattt.reserved"], c, 2)
  m.ext_start = m.len -- the rest is the tunnelled datagram
  if remaining(c) > 0 then
    local inner = m.tvb(c.pos, remaining(c)):tvb()
    -- A malformed inner packet is marked by its own dissector; Lua would turn it into an error.
    pcall(function() Dissector.get(nxt == 4 and "ip" or "data"):call(inner, pinfo, tree) end)
  end
end

MSG[7] = function(m, c)
  local tvb = m.tvb
  if m.len >= 16 then m.info = "Reg Revocation: HoA=" .. ip_at(tvb, 4) .. " HDA=" .. ip_at(tvb, 8) .. " FDA=" .. ip_at(tvb, 12) end
  add(m.node, F["mip.rev.reserved"], c, 1)
  local fi, r = add(m.node, F["mip.flags2"], c, 2)
  flag_bits(fi, r, { F["mip.rev.a"], F["mip.rev.i"], F["mip.rev.reserved2"] })
  add(m.node, F["mip.homeaddr"], c, 4)
  add(m.node, F["mip.rev.hda"], c, 4)
  add(m.node, F["mip.rev.fda"], c, 4)
  add(m.node, F["mip.revid"], c, 4)
  m.ext_start = c.pos
end

MSG[15] = function(m, c)
  if m.len >= 8 then m.info = "Reg Revocation Ack: HoA=" .. ip_at(m.tvb, 4) end
  add(m.node, F["mip.ack.reserved"], c, 1)
  local fi, r = add(m.node, F["mip.flags2"], c, 2)
  flag_bits(fi, r, { F["mip.ack.i"], F["mip.ack.reserved2"] })
  add(m.node, F["mip.homeaddr"], c, 4)
  add(m.node, F["mip.revid"], c, 4)
  m.ext_start = c.pos
end

-- The general-purpose messages between home agent and KDC: Type Code Reserved(2) HomeAddress(4) Identification(8).
local function key_message(reply)
  return function(m, c)
    local tvb = m.tvb
    if m.len >= 8 then
      if reply then m.info = "Key Reply: HoA=" .. ip_at(tvb, 4) .. ", Code=" .. tvb(1, 1):uint()
      else m.info = "Key Request: HoA=" .. ip_at(tvb, 4) end
    end
    local ci, code = add_u(m.node, F["mip.kx.msg.code"], c, 1)
    if reply and code ~= 0 and code ~= 128 then
      expert_at(ci, E["mip.kx.msg.code.unknown"], "Key Reply code " .. code .. " is neither 0 (keys issued) nor 128 (refused)")
    elseif not reply and code ~= 0 then
      expert_at(ci, E["mip.kx.msg.code.unknown"], "Key Request code " .. code .. " is not 0")
    end
    local ri, reserved = add_u(m.node, F["mip.kx.msg.reserved"], c, 2)
    if reserved ~= 0 then expert_at(ri, E["mip.reserved.nonzero"], "Reserved field is not zero") end
    add(m.node, F["mip.homeaddr"], c, 4)
    identification(m, c)
    m.ext_start = c.pos
  end
end
MSG[8] = key_message(false)
MSG[9] = key_message(true)

---------------------------------------------------------------------------------------------
-- Standard extension bodies (x = { tvb, node, c, type, subtype, ... })
---------------------------------------------------------------------------------------------
local BODY = {}
local function bytes_rest(x, parent, field) return add(parent, field, x.c, remaining(x.c)) end

local function auth(x)
  add(x.node, F["mip.auth.spi"], x.c, 4)
  bytes_rest(x, x.node, F["mip.auth.auth"])
end
BODY[32] = auth; BODY[33] = auth; BODY[34] = auth; BODY[36] = auth
BODY[131] = function(x) add_text(x.node, F["mip.nai"], x.c) end

BODY[38] = function(x) -- CVSE (RFC 3115)
  local _, vendor = add_u(x.node, F["mip.ext.cvse.vendor_id"], x.c, 4)
  if vendor == VENDOR_VERIZON then add(x.node, F["mip.ext.cvse.verizon_type"], x.c, 2)
  elseif vendor == VENDOR_3GPP2 then
    local _, t = add_u(x.node, F["mip.ext.cvse.3gpp2_type"], x.c, 2)
    if t == 1 and remaining(x.c) >= 4 then add(x.node, F["mip.ext.cvse.3gpp2_grekey"], x.c, 4)
    elseif remaining(x.c) > 0 then bytes_rest(x, x.node, F["mip.ext.cvse.vendor_value"]) end
  else
    add(x.node, F["mip.ext.cvse.vendor_type"], x.c, 2)
    bytes_rest(x, x.node, F["mip.ext.cvse.vendor_value"])
  end
end

local function nvse(x) -- NVSE (RFC 3115)
  add(x.node, F["mip.ext.nvse.reserved"], x.c, 2)
  local _, vendor = add_u(x.node, F["mip.ext.nvse.vendor_id"], x.c, 4)
  if vendor == VENDOR_3GPP2 then
    local _, t = add_u(x.node, F["mip.ext.nvse.3gpp2.type"], x.c, 2)
    if t == 16 then add(x.node, F["mip.ext.nvse.3gpp2.type16.value"], x.c, 2)
    elseif t == 17 then
      add(x.node, F["mip.ext.nvse.3gpp2.type17.entity"], x.c, 1)
      add(x.node, F["mip.ext.nvse.3gpp2.type17.subtype1"], x.c, 1)
      add(x.node, F["mip.ext.nvse.3gpp2.type17.length"], x.c, 1)
      add(x.node, F["mip.ext.nvse.3gpp2.type17.prim_dns"], x.c, 4)
      add(x.node, F["mip.ext.nvse.3gpp2.type17.subtype2"], x.c, 1)
      add(x.node, F["mip.ext.nvse.3gpp2.type17.length"], x.c, 1)
      add(x.node, F["mip.ext.nvse.3gpp2.type17.sec_dns"], x.c, 4)
    elseif remaining(x.c) > 0 then expert_at(x.node, E["mip.data_not_dissected.expert"], "Data not dissected yet") end
    return
  end
  add(x.node, F["mip.ext.nvse.vendor_type"], x.c, 2)
  bytes_rest(x, x.node, F["mip.ext.nvse.vendor_value"])
end
BODY[133] = nvse; BODY[134] = nvse

BODY[137] = function(x) -- revocation support (RFC 3543 §3.3)
  local fi, r = add(x.node, F["mip.ext.rev.flags"], x.c, 2)
  flag_bits(fi, r, { F["mip.ext.rev.i"], F["mip.ext.rev.reserved"] })
  add(x.node, F["mip.ext.rev.tstamp"], x.c, 4)
end
BODY[139] = function(x) -- dynamic HA (RFC 4433)
  add(x.node, F["mip.ext.dynha.subtype"], x.c, 1)
  add(x.node, F["mip.ext.dynha.ha"], x.c, 4)
end
BODY[145] = function(x) -- message string (RFC 4917)
  add(x.node, F["mip.ext.msgstr.subtype"], x.c, 1)
  add_text(x.node, F["mip.ext.msgstr.text"], x.c)
end
BODY[144] = function(x) -- UDP tunnel request (RFC 3519 §3.1)
  add(x.node, F["mip.ext.utrq.subtype"], x.c, 1)
  add(x.node, F["mip.ext.utrq.reserved1"], x.c, 1)
  local fi, r = add(x.node, F["mip.ext.utrq.flags"], x.c, 1)
  flag_bits(fi, r, { F["mip.ext.utrq.f"], F["mip.ext.utrq.r"], F["mip.ext.utrq.reserved2"] })
  add(x.node, F["mip.ext.utrq.encaptype"], x.c, 1)
  add(x.node, F["mip.ext.utrq.reserved3"], x.c, 2)
end
BODY[44] = function(x) -- UDP tunnel reply (RFC 3519 §3.2)
  add(x.node, F["mip.ext.utrp.subtype"], x.c, 1)
  add(x.node, F["mip.ext.utrp.code"], x.c, 1)
  local fi, r = add(x.node, F["mip.ext.utrp.flags"], x.c, 2)
  flag_bits(fi, r, { F["mip.ext.utrp.f"], F["mip.ext.utrp.reserved"] })
  add(x.node, F["mip.ext.utrp.keepalive"], x.c, 2)
end
BODY[47] = function(x) -- PMIPv4 non-skippable (RFC 5563)
  if x.subtype == 1 then add(x.node, F["mip.ext.pmipv4nonskipext.pernodeauthmethod"], x.c, 1) end
end
local PMIP_SKIP_LABELS = { [0] = "Unknown", [1] = "Interface ID", [2] = "Device ID", [3] = "Subscriber ID", [4] = "Access Technology Type" }
BODY[147] = function(x) -- PMIPv4 skippable (RFC 5563)
  local st = peek_u8(x.c)
  local sub = x.node:add(x.tvb(x.c.pos, remaining(x.c)), "PMIPv4 Sub-Type: " .. (PMIP_SKIP_LABELS[st] or ("Unknown Sub-Type " .. st)))
  add(sub, F["mip.ext.pmipv4skipext.subtype"], x.c, 1)
  if st == 1 then bytes_rest(x, sub, F["mip.ext.pmipv4skipext.interfaceid"])
  elseif st == 2 then add(sub, F["mip.ext.pmipv4skipext.deviceid_type"], x.c, 1); bytes_rest(x, sub, F["mip.ext.pmipv4skipext.deviceid_id"])
  elseif st == 3 then
    local _, t = add_u(sub, F["mip.ext.pmipv4skipext.subscriberid_type"], x.c, 1)
    if t == 1 then bytes_rest(x, sub, F["mip.ext.pmipv4skipext.subscriberid_id"]) end
  elseif st == 4 then add(sub, F["mip.ext.pmipv4skipext.accesstechnology_type"], x.c, 1) end
end
BODY[148] = function(x) -- mobile network extension (RFC 5177 §3.1-3.2)
  local _, st = add_u(x.node, F["mip.ext.mne.subtype"], x.c, 1)
  if st == 0 then add(x.node, F["mip.ext.mne.prefix_length"], x.c, 1)
  elseif st == 1 or st == 2 then
    add(x.node, F["mip.ext.mne.code"], x.c, 1)
    add(x.node, F["mip.ext.mne.prefix_length"], x.c, 1)
    add(x.node, F["mip.ext.mne.reserved"], x.c, 1)
  else
    expert_at(x.node, E["mip.data_not_dissected.expert"], "Unable to decode (Unknown Sub-Type)")
    return
  end
  add(x.node, F["mip.ext.mne.prefix"], x.c, 4)
end

---------------------------------------------------------------------------------------------
-- KX: the general-purpose extensions GP-NAI, GP-IP, GP-L2, GP-SA
---------------------------------------------------------------------------------------------
local function raw_info(x, parent, o, n, why)
  local it = parent:add(F["mip.kx.gp.info"], x.tvb(o, n))
  expert_at(it, E["mip.kx.gp.info.bad"], why)
  return ""
end

local function decode_sa_info(x, parent, o, stop)
  local tvb = x.tvb
  if stop - o < 11 then
    local it = parent:add(F["mip.kx.gp.info"], tvb(o, stop - o))
    expert_at(it, E["mip.kx.sa.bad"], "SA-INFO needs at least 11 bytes, INFO has " .. (stop - o))
    return ""
  end
  local new_spi = tvb(o, 4):uint()
  parent:add(F["mip.kx.sa.newspi"], tvb(o, 4))
  local auth_alg, cipher_alg = tvb(o + 4, 1):uint(), tvb(o + 5, 1):uint()
  local ai = parent:add(F["mip.kx.sa.authalg"], tvb(o + 4, 1))
  local ci = parent:add(F["mip.kx.sa.cipheralg"], tvb(o + 5, 1))
  if auth_alg ~= 0 and not AUTH_KEY_SIZE[auth_alg] then expert_at(ai, E["mip.kx.sa.alg.unknown"], "Unknown authentication algorithm " .. auth_alg) end
  if cipher_alg ~= 0 and not CIPHER_KEY_SIZE[cipher_alg] then expert_at(ci, E["mip.kx.sa.alg.unknown"], "Unknown cipher algorithm " .. cipher_alg) end
  parent:add(F["mip.kx.sa.lifetime"], tvb(o + 6, 4))
  local key_len = tvb(o + 10, 1):uint()
  local ki = parent:add(F["mip.kx.sa.keylen"], tvb(o + 10, 1))
  local avail = stop - o - 11
  parent:add(F["mip.kx.sa.key"], tvb(o + 11, math.min(key_len, avail)))
  if key_len > avail then
    expert_at(ki, E["mip.kx.sa.bad"], "KeyLen " .. key_len .. " runs past SA-INFO (" .. avail .. " bytes remain)")
    return spi_hex(new_spi)
  end
  if key_len < avail then expert_at(ki, E["mip.kx.sa.bad"], (avail - key_len) .. " byte(s) after the key are not part of SA-INFO") end
  local want = CIPHER_KEY_SIZE[cipher_alg] or AUTH_KEY_SIZE[auth_alg]
  if want ~= nil and want ~= key_len then expert_at(ki, E["mip.kx.sa.bad"], "KeyLen " .. key_len .. " is not the algorithm's key size " .. want) end
  if auth_alg == 0 and cipher_alg == 0 then expert_at(ai, E["mip.kx.sa.bad"], "SA-INFO names neither an authentication algorithm nor a cipher") end
  return "New SPI " .. spi_hex(new_spi)
end

local function all_digits(s) return s:match("^[0-9]+$") ~= nil end

local function decode_info(x, kind, content, parent, o, stop)
  local tvb, n = x.tvb, stop - o
  if kind == "gp_nai" then
    local _, nai = parent:add_packet_field(F["mip.kx.nai"], tvb(o, n), ENC_UTF_8)
    if n == 0 then expert_at(parent, E["mip.kx.gp.info.bad"], "GP-NAI: the NAI is empty") end
    return nai or ""
  elseif kind == "gp_ip" then
    if n == 4 then parent:add(F["mip.kx.ip"], tvb(o, 4)); return ip_at(tvb, o) end
    if n == 16 then local s = tostring(tvb(o, 16):ipv6()); parent:add(F["mip.kx.ip6"], tvb(o, 16), s); return s end
    return raw_info(x, parent, o, n, "GP-IP: INFO is " .. n .. " bytes; an address is 4 (IPv4) or 16 (IPv6)")
  elseif kind == "gp_l2" then
    if content == 0 then
      if n ~= 6 then return raw_info(x, parent, o, n, "GP-L2: an Ethernet address is 6 bytes, INFO is " .. n) end
      parent:add(F["mip.kx.l2.eth"], tvb(o, 6))
      return tostring(tvb(o, 6):ether())
    elseif content == 1 or content == 2 then
      local field = content == 1 and F["mip.kx.l2.imsi"] or F["mip.kx.l2.min"]
      local _, s = parent:add_packet_field(field, tvb(o, n), ENC_UTF_8)
      s = s or ""
      local ok = all_digits(s) and ((content == 1 and n >= 6 and n <= 15) or (content == 2 and n == 10))
      if not ok then
        if content == 1 then expert_at(parent, E["mip.kx.gp.info.bad"], "GP-L2: an IMSI is 6 to 15 ASCII digits (got " .. n .. " bytes)")
        else expert_at(parent, E["mip.kx.gp.info.bad"], "GP-L2: a MIN is 10 ASCII digits (got " .. n .. " bytes)") end
      end
      return s
    end
    parent:add(F["mip.kx.gp.info"], tvb(o, n))
    return ""
  end
  return decode_sa_info(x, parent, o, stop)
end

local function gp_extension(kind)
  return function(x)
    local tvb, node = x.tvb, x.node
    local start = x.off + x.hdr
    if x.length < 6 then
      expert_at(node, E["mip.kx.gp.short"], GP_NAMES[kind] .. ": Length " .. x.length .. " is shorter than ContentType, Flags and SPI (6 bytes)")
      if x.length > 0 then node:add(F["mip.kx.gp.info"], tvb(start, x.length)) end
      return
    end
    local content = tvb(start, 1):uint()
    local ci = node:add(F["mip.kx.gp.content"], tvb(start, 1))
    local cname = GP_CONTENT_NAMES[kind][content]
    if cname then ci:append_text(" (" .. cname .. ")")
    else expert_at(ci, E["mip.kx.gp.content.unknown"], GP_NAMES[kind] .. ": unknown content type " .. content) end
    local fr = tvb(start + 1, 1)
    local flags = fr:uint()
    local fi = node:add(F["mip.kx.gp.flags"], fr)
    fi:add(F["mip.kx.gp.e"], fr)
    fi:add(F["mip.kx.gp.reserved"], fr)
    local e = bit.band(flags, 0x80) ~= 0
    if bit.band(flags, 0x7f) ~= 0 then expert_at(fi, E["mip.kx.gp.reserved.nonzero"], string.format("Reserved flag bits set (0x%02x), sent as zero", bit.band(flags, 0x7f))) end
    local spi = tvb(start + 2, 4):uint()
    local si = node:add(F["mip.kx.gp.spi"], tvb(start + 2, 4))
    if not e and spi ~= 0 then expert_at(si, E["mip.kx.gp.spi.bad"], "SPI is " .. spi_hex(spi) .. " on an unencrypted extension (E = 0 sends SPI 0)") end
    if e and spi < 256 then expert_at(si, E["mip.kx.gp.spi.bad"], "SPI " .. spi .. " is reserved (0-255), yet INFO is encrypted under it") end
    local label
    if not e then label = decode_info(x, kind, content, node, start + 6, x.stop)
    else
      node:add(F["mip.kx.enc.data"], tvb(start + 6, x.stop - start - 6))
      node:add(tvb(start + 6, x.stop - start - 6), "INFO is encrypted under SPI " .. spi_hex(spi) .. ": decryption stays in mipscope (mipscope -r FILE --keys KEYS)"):set_generated(true)
      label = "encrypted"
    end
    if label ~= "" then node:append_text(": " .. label) end
  end
end

---------------------------------------------------------------------------------------------
-- KX: the negotiation payloads (SA, Proposal, Transform, Key-exchange)
---------------------------------------------------------------------------------------------
local PAYLOAD_KINDS = { "proposal", "transform", "ke", "sa" }
local PAYLOAD_NAMES = { proposal = "Proposal payload", transform = "Transform payload", ke = "Key-exchange payload", sa = "SA payload" }
local function payload_name(t)
  for _, k in ipairs(PAYLOAD_KINDS) do if kx_type(k) == t then return PAYLOAD_NAMES[k] end end
  return "Payload type " .. t
end

-- Nested payload headers of [start, stop) one by one; visit(h) dissects each.
local function for_each_payload(x, parent, start, stop, what, visit)
  local tvb, off = x.tvb, start
  while off < stop do
    if stop - off < 4 then
      local it = parent:add(F["mip.kx.pl.data"], tvb(off, stop - off))
      expert_at(it, E["mip.kx.pl.len.bad"], (stop - off) .. " byte(s) left in the " .. what .. ": too short for a payload header (4 bytes)")
      return
    end
    local t, subtype, length = tvb(off, 1):uint(), tvb(off + 1, 1):uint(), tvb(off + 2, 2):uint()
    local declared = off + 4 + length
    local overrun = declared > stop
    local e = math.min(declared, stop)
    local node = parent:add(tvb(off, e - off), payload_name(t))
    node:add(F["mip.kx.pl.type"], tvb(off, 1))
    local h = { type = t, subtype = subtype, length = length, offset = off, stop = e, node = node }
    visit(h)
    if overrun then
      expert_at(node, E["mip.kx.pl.len.bad"], payload_name(t) .. ": Length " .. length .. " runs past the " .. what .. " (" .. (stop - off - 4) .. " bytes remain)")
      return
    end
    off = declared
  end
end

local function payload_guard(h, name, fn)
  guarded(fn, function() expert_at(h.node, E["mip.kx.pl.len.bad"], name .. ": Length " .. h.length .. " is too short for its fields") end)
end
local function add_length(x, h) h.node:add(F["mip.kx.pl.len"], x.tvb(h.offset + 2, 2)) end
local function subtype_zero(x, h, name)
  local it = h.node:add(F["mip.kx.pl.subtype"], x.tvb(h.offset + 1, 1))
  if h.subtype ~= 0 then expert_at(it, E["mip.kx.pl.subtype.bad"], name .. " sub-type is " .. h.subtype .. "; it is 0") end
end
local function unexpected(x, h, where, expected)
  h.node:add(F["mip.kx.pl.subtype"], x.tvb(h.offset + 1, 1))
  add_length(x, h)
  if h.stop > h.offset + 4 then h.node:add(F["mip.kx.pl.data"], x.tvb(h.offset + 4, h.stop - h.offset - 4)) end
  expert_at(h.node, E["mip.kx.pl.unexpected"], payload_name(h.type) .. " (type " .. h.type .. ") inside " .. where .. ": expected " .. expected)
end

local function transform_name(proto_id, id)
  if proto_id == 1 then return AUTH_ALG_NAMES[id] end
  if proto_id == 2 then return CIPHER_ALG_NAMES[id] end
  return nil
end
local function attr_value_text(t, v)
  if t == 3 then return MODE_NAMES[v] or "unknown mode" end
  if t == 4 then return PRF_NAMES[v] or "unknown PRF" end
  if t == 5 then return REPLAY_NAMES[v] or "unknown replay method" end
  if t == 2 and v == 4294967295 then return "infinite" end
  return ""
end

local function dissect_transform(x, h, prop)
  subtype_zero(x, h, "Transform payload")
  add_length(x, h)
  local rec = nil
  payload_guard(h, "Transform payload", function()
    local c = cursor(x.tvb, h.offset + 4, h.stop)
    local r = take(c, 4)
    local no, id, reserved = r(0, 1):uint(), r(1, 1):uint(), r(3, 1):uint()
    h.node:add(F["mip.kx.xf.no"], r(0, 1))
    local idi = h.node:add(F["mip.kx.xf.id"], r(1, 1))
    local name = prop and transform_name(prop.proto_id, id)
    if name then idi:append_text(" (" .. name .. ")")
    elseif prop and (prop.proto_id == 1 or prop.proto_id == 2) then
      expert_at(idi, E["mip.kx.xf.id.unknown"], "Transform id " .. id .. " is not an " .. (prop.proto_id == 1 and "authentication" or "encryption") .. " algorithm")
    end
    h.node:add(F["mip.kx.xf.nkeys"], r(2, 1))
    local ri = h.node:add(F["mip.kx.xf.reserved"], r(3, 1))
    if reserved ~= 0 then expert_at(ri, E["mip.kx.xf.reserved.nonzero"], "Transform payload: Reserved byte is not zero") end
    h.node:set_text("Transform payload: #" .. no .. (name and (", " .. name) or (", id " .. id)))
    rec = { no = no, id = id, node = h.node }
    while c.pos < c.stop do -- attributes: AttrType(2) AttrLen(2) Value(AttrLen)
      local at = c.pos
      if remaining(c) < 4 then
        local it = h.node:add(F["mip.kx.pl.data"], take(c, remaining(c)))
        expert_at(it, E["mip.kx.xf.attr.len.bad"], (c.stop - at) .. " byte(s) left: too short for an attribute header (4 bytes)")
        break
      end
      local hr = take(c, 4)
      local t, len = hr(0, 2):uint(), hr(2, 2):uint()
      local an = h.node:add(x.tvb(at, 4 + math.min(len, remaining(c))), "Attribute: " .. (ATTR_NAMES[t] or ("type " .. t)))
      an:add(F["mip.kx.xf.attr.type"], hr(0, 2))
      local li = an:add(F["mip.kx.xf.attr.len"], hr(2, 2))
      if len > remaining(c) then
        local rest = take(c, remaining(c))
        an:add(F["mip.kx.xf.attr.value"], rest, hexstr(rest))
        expert_at(li, E["mip.kx.xf.attr.len.bad"], "Attribute length " .. len .. " runs past the transform (" .. rest:len() .. " bytes remain)")
        break
      end
      local value = take(c, len)
      local known = ATTR_LENGTHS[t]
      if known ~= nil and len >= 1 and len <= 6 then
        local v = 0
        for i = 0, len - 1 do v = v * 256 + value(i, 1):uint() end
        local vs = string.format("%.0f", v)
        local vi = an:add(F["mip.kx.xf.attr.value"], value, vs)
        local tx = attr_value_text(t, v)
        if tx ~= "" then vi:append_text(" (" .. tx .. ")"); an:append_text(" = " .. vs .. " (" .. tx .. ")")
        else an:append_text(" = " .. vs) end
        if len ~= known then expert_at(li, E["mip.kx.xf.attr.len.bad"], ATTR_NAMES[t] .. ": length " .. len .. ", expected " .. known)
        else
          local bad = ""
          if t == 1 and (v == 0 or v % 8 ~= 0) then bad = "a key length of " .. vs .. " bits is not a whole number of bytes"
          elseif t >= 3 and t <= 5 and not (v >= 1 and v <= 3) then bad = "value " .. vs .. " is not defined (1-3)" end
          if bad ~= "" then expert_at(vi, E["mip.kx.xf.attr.value.bad"], ATTR_NAMES[t] .. ": " .. bad) end
        end
      else
        an:add(F["mip.kx.xf.attr.value"], value, hexstr(value))
        if known ~= nil then expert_at(li, E["mip.kx.xf.attr.len.bad"], ATTR_NAMES[t] .. ": length " .. len .. ", expected " .. known) end
      end
    end
  end)
  return rec
end

local function dissect_ke(x, h, prop)
  local tvb, st = x.tvb, h.subtype
  local sn = h.node:add(F["mip.kx.ke.subtype"], tvb(h.offset + 1, 1))
  add_length(x, h)
  h.node:set_text("Key-exchange payload: " .. (KE_SUBTYPES[st] or ("sub-type " .. st)))
  payload_guard(h, "Key-exchange payload", function()
    local c = cursor(tvb, h.offset + 4, h.stop)
    if st == 1 or st == 2 or st == 3 then
      local _, xfno = add_u(h.node, F["mip.kx.ke.xfno"], c, 1)
      local ri, reserved = add_u(h.node, F["mip.kx.ke.reserved"], c, 1)
      if reserved ~= 0 then expert_at(ri, E["mip.kx.ke.reserved.nonzero"], "Key-exchange payload: Reserved byte is not zero") end
      local n = remaining(c)
      if st == 3 then add(h.node, F["mip.kx.ke.key"], c, n)
      else
        local cvi = add(h.node, F["mip.kx.ke.cv"], c, n)
        if n ~= OAKLEY_SIZE[st] then expert_at(cvi, E["mip.kx.ke.cv.len"], "CV is " .. n .. " bytes; the prime is " .. OAKLEY_SIZE[st] .. " bytes and every CV is left-padded to it") end
      end
      if prop then
        local found = false
        for _, t in ipairs(prop.transforms) do if t.no == xfno then found = true end end
        if not found then expert_at(h.node, E["mip.kx.ke.xfno.unknown"], "TransformNo " .. xfno .. " is not among the proposal's transforms") end
      end
    elseif st == 4 then
      local _, plen = add_u(h.node, F["mip.kx.ke.plen"], c, 2)
      add(h.node, F["mip.kx.ke.p"], c, plen)
      local _, glen = add_u(h.node, F["mip.kx.ke.glen"], c, 2)
      add(h.node, F["mip.kx.ke.g"], c, glen)
      local cli, cvlen = add_u(h.node, F["mip.kx.ke.cvlen"], c, 2)
      add(h.node, F["mip.kx.ke.cv"], c, cvlen)
      if remaining(c) > 0 then expert_at(h.node, E["mip.kx.pl.len.bad"], remaining(c) .. " byte(s) after the CV are not part of the payload") end
      if plen > 0 and cvlen ~= plen then expert_at(cli, E["mip.kx.ke.cv.len"], "CV length " .. cvlen .. " differs from P length " .. plen) end
    elseif st == 5 or st == 6 then
      local _, spi = add_u(h.node, F["mip.kx.ke.spi"], c, 4)
      local n = remaining(c)
      add(h.node, F["mip.kx.enc.data"], c, n)
      h.node:add(tvb(h.offset + 8, n), (st == 5 and "KDC key" or "KDC seed") .. " encrypted under SPI " .. spi_hex(spi) .. ": decryption stays in mipscope"):set_generated(true)
    else
      expert_at(sn, E["mip.kx.ke.subtype.unknown"], "Unknown key-exchange sub-type " .. st)
      if remaining(c) > 0 then add(h.node, F["mip.kx.pl.data"], c, remaining(c)) end
    end
  end)
  return { subtype = st }
end

local function dissect_proposal(x, h)
  local tvb = x.tvb
  subtype_zero(x, h, "Proposal payload")
  add_length(x, h)
  local p = h.offset + 4
  if h.stop - p < 12 then
    if h.stop > p then h.node:add(F["mip.kx.pl.data"], tvb(p, h.stop - p)) end
    expert_at(h.node, E["mip.kx.pl.len.bad"], "Proposal payload: Length " .. h.length .. " is shorter than its 12 fixed bytes")
    return nil
  end
  local rec = { no = tvb(p, 1):uint(), proto_no = tvb(p + 1, 1):uint(), proto_id = tvb(p + 2, 1):uint(), spi = tvb(p + 8, 4):uint(), transforms = {}, node = h.node, offset = h.offset }
  local ntrans = tvb(p + 3, 1):uint()
  h.node:add(F["mip.kx.prop.no"], tvb(p, 1))
  h.node:add(F["mip.kx.prop.protono"], tvb(p + 1, 1))
  local pin = h.node:add(F["mip.kx.prop.protoid"], tvb(p + 2, 1))
  if rec.proto_id ~= 1 and rec.proto_id ~= 2 then expert_at(pin, E["mip.kx.prop.protoid.unknown"], "ProtocolId " .. rec.proto_id .. " is neither 1 (authentication) nor 2 (encryption)") end
  local nti = h.node:add(F["mip.kx.prop.ntrans"], tvb(p + 3, 1))
  h.node:add(F["mip.kx.prop.lifetime"], tvb(p + 4, 4))
  h.node:add(F["mip.kx.prop.spi"], tvb(p + 8, 4))
  local pname = rec.proto_id == 1 and "authentication" or rec.proto_id == 2 and "encryption" or ("id " .. rec.proto_id)
  local text = "Proposal payload: #" .. rec.no .. ", protocol " .. rec.proto_no .. " (" .. pname .. "), SPI " .. spi_hex(rec.spi)
  local ke_seen = false
  for_each_payload(x, h.node, p + 12, h.stop, "proposal", function(ph)
    if ph.type == kx_type("transform") then
      if ke_seen then expert_at(ph.node, E["mip.kx.prop.ke_before_transform"], "Transform payload after a key-exchange payload: KE payloads follow the transforms") end
      local t = dissect_transform(x, ph, rec)
      if t then
        local last = rec.transforms[#rec.transforms]
        if last and t.no <= last.no then expert_at(t.node, E["mip.kx.xf.order"], "TransformNo " .. t.no .. " does not increase (previous " .. last.no .. "; RFC 2408 §4.2)") end
        table.insert(rec.transforms, t)
      end
    elseif ph.type == kx_type("ke") then
      ke_seen = true
      dissect_ke(x, ph, rec)
    else unexpected(x, ph, "a proposal", "Transform or Key-exchange payloads") end
  end)
  if #rec.transforms ~= ntrans then expert_at(nti, E["mip.kx.prop.ntrans.bad"], "NumTransforms is " .. ntrans .. ", but " .. #rec.transforms .. " transform payload(s) follow") end
  h.node:set_text(text .. ", " .. plural(#rec.transforms, "transform"))
  return rec
end

-- The AND/OR numbering of proposals (RFC 2408 §4.2).
local function check_proposal_order(props)
  local closed, prev = {}, nil
  for _, p in ipairs(props) do
    if prev and p.no ~= prev.no then
      closed[prev.no] = true
      if p.no < prev.no and not closed[p.no] then expert_at(p.node, E["mip.kx.prop.order"], "ProposalNo " .. p.no .. " after " .. prev.no .. ": alternatives come in increasing order") end
    end
    if closed[p.no] then expert_at(p.node, E["mip.kx.prop.order"], "ProposalNo " .. p.no .. " appears again after other proposals: the parts of a combined proposal are adjacent") end
    if prev and p.no == prev.no and p.proto_no <= prev.proto_no then expert_at(p.node, E["mip.kx.prop.order"], "ProtocolNo " .. p.proto_no .. " does not increase within combined proposal " .. p.no) end
    prev = p
  end
end

local function sa_payload(x)
  local tvb, node = x.tvb, x.node
  local sn = node:add(F["mip.kx.sap.subtype"], tvb(x.off + 1, 1))
  local sub_name = SAP_SUBTYPES[x.subtype]
  if not sub_name then expert_at(sn, E["mip.kx.sap.subtype.unknown"], "Unknown SA payload sub-type " .. x.subtype) end
  local props = {}
  for_each_payload(x, node, x.off + x.hdr, x.stop, "SA payload", function(ph)
    if ph.type == kx_type("proposal") then
      local p = dissect_proposal(x, ph)
      if p then table.insert(props, p) end
    else unexpected(x, ph, "an SA payload", "Proposal payloads") end
  end)
  if #props == 0 then expert_at(node, E["mip.kx.sap.empty"], "SA payload holds no proposal") end
  check_proposal_order(props)
  node:append_text(": " .. (sub_name or ("sub-type " .. x.subtype)) .. ", " .. plural(#props, "proposal"))
end

local function stray_payload(kind)
  return function(x)
    expert_at(x.node, E["mip.kx.pl.unexpected"], PAYLOAD_NAMES[kind] .. " outside an SA payload (it belongs inside one)")
    local h = { type = x.type, subtype = x.subtype, length = x.length, offset = x.off, stop = x.stop, node = x.node }
    if kind == "proposal" then dissect_proposal(x, h)
    elseif kind == "transform" then dissect_transform(x, h, nil)
    else dissect_ke(x, h, nil) end
  end
end

-- KX handlers: they replace the standard table for the type numbers the preferences give.
local KX_HANDLERS = {
  gp_nai = { name = "GP-NAI Extension", short = "GP-NAI", layout = "short", dissect = gp_extension("gp_nai") },
  gp_ip = { name = "GP-IP Extension", short = "GP-IP", layout = "short", dissect = gp_extension("gp_ip") },
  gp_l2 = { name = "GP-L2 Extension", short = "GP-L2", layout = "short", dissect = gp_extension("gp_l2") },
  gp_sa = { name = "GP-SA Extension", short = "GP-SA", layout = "short", dissect = gp_extension("gp_sa") },
  sa = { name = "SA payload", short = "SA payload", layout = "long", dissect = sa_payload },
  proposal = { name = "Proposal payload", short = "Proposal payload", layout = "long", dissect = stray_payload("proposal") },
  transform = { name = "Transform payload", short = "Transform payload", layout = "long", dissect = stray_payload("transform") },
  ke = { name = "Key-exchange payload", short = "Key-exchange payload", layout = "long", dissect = stray_payload("ke") },
}

---------------------------------------------------------------------------------------------
-- The extension loop (RFC 5944 §1.9): short, long and CVSE layouts
---------------------------------------------------------------------------------------------
local function dissect_extensions(m)
  local tvb, stop = m.tvb, m.len
  if m.ext_start >= stop then return end
  local exts = m.node:add(tvb(m.ext_start, stop - m.ext_start), "Extensions")
  local off = m.ext_start
  while off < stop do
    local t = tvb(off, 1):uint()
    local kind = kx_kind(t)
    local h
    if kind then h = KX_HANDLERS[kind]
    elseif EXT_LAYOUT[t] then h = { name = EXT_LAYOUT[t].name, layout = EXT_LAYOUT[t].layout, dissect = BODY[t] or function(x) bytes_rest(x, x.node, F["mip.extension"]) end } end
    local layout = h and h.layout or "short"
    local hdr = layout == "short" and 2 or 4
    local label = h and h.name or EXTENSION_TYPES[t] or ("Unknown Extension " .. t)
    local node = exts:add(tvb(off, math.min(hdr, stop - off)), "Extension: " .. label)
    local ti = node:add(F["mip.ext.type"], tvb(off, 1))
    if off + hdr > stop then
      expert_at(node, E["mip.ext.len.short"], "Extension header needs " .. hdr .. " bytes, " .. (stop - off) .. " remain")
      return
    end
    local length, subtype
    if layout == "short" then
      length, subtype = tvb(off + 1, 1):uint(), 0
      node:add(F["mip.ext.len"], tvb(off + 1, 1), length)
    else
      subtype, length = tvb(off + 1, 1):uint(), tvb(off + 2, 2):uint()
      if layout == "cvse" then node:add(F["mip.ext.cvse.reserved"], tvb(off + 1, 1))
      elseif t == 36 then node:add(F["mip.ext.auth.subtype"], tvb(off + 1, 1))
      elseif t == 47 then node:add(F["mip.ext.pmipv4nonskipext.subtype"], tvb(off + 1, 1)) end
      node:add(F["mip.ext.len"], tvb(off + 2, 2))
    end
    local data = off + hdr
    local dend = data + length
    if dend > stop then
      node:set_len(stop - off)
      expert_at(node, E["mip.ext.len.overrun"], "Extension length " .. length .. " runs past the end of the message (" .. (stop - data) .. " bytes remain)")
      if stop > data then node:add(F["mip.extension"], tvb(data, stop - data)) end
      return
    end
    node:set_len(hdr + length)
    table.insert(m.exts, { type = t, off = off, hdr = hdr, stop = dend, node = node })
    if not h then
      if t < 128 then expert_at(node, E["mip.ext.unknown_nonskippable"], "Unknown non-skippable extension type " .. t .. ": a receiver discards the message (RFC 5944 §1.9)")
      else expert_at(node, E["mip.ext.unknown_skippable"], "Unknown skippable extension type " .. t) end
      node:add(F["mip.extension"], tvb(data, length))
    else
      if kind then
        ti:set_text("Extension Type: " .. h.short .. " (" .. t .. ")")
        -- Hidden: the data as a dissector unaware of KX shows it.
        node:add(F["mip.extension"], tvb(data, length)):set_hidden(true)
      end
      local x = { tvb = tvb, m = m, node = node, type = t, subtype = subtype, length = length, off = off, hdr = hdr, stop = dend, c = cursor(tvb, data, dend) }
      guarded(function() h.dissect(x) end, function()
        expert_at(node, E["mip.ext.len.short"], label .. ": length " .. length .. " is too short for its fields")
      end)
    end
    off = dend
  end
end

---------------------------------------------------------------------------------------------
-- Authenticators (RFC 5944 §3.5.1, RFC 2002 §3.5.1): HMAC-MD5 and keyed MD5 prefix+suffix under
-- the SAs of the keys file named by the keys_file preference. Other algorithms, and keys learned
-- from the traffic, are mipscope's.
---------------------------------------------------------------------------------------------
local md5
do
  local band, bor, bxor, bnot, rol, rshift, tobit = bit.band, bit.bor, bit.bxor, bit.bnot, bit.rol, bit.rshift, bit.tobit
  local S = { 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21 }
  local K = {}
  for i, k in ipairs(MD5_K) do K[i - 1] = tobit(k) end
  local function le32(s, i)
    local a, b, c, d = s:byte(i, i + 3)
    return tobit(a + b * 256 + c * 65536 + d * 16777216)
  end
  local function tole(x) return string.char(band(x, 255), band(rshift(x, 8), 255), band(rshift(x, 16), 255), band(rshift(x, 24), 255)) end
  md5 = function(msg)
    local bits = #msg * 8
    msg = msg .. "\128" .. string.rep("\0", (55 - #msg) % 64) .. tole(tobit(bits % 4294967296)) .. tole(tobit(math.floor(bits / 4294967296)))
    local a0, b0, c0, d0 = tobit(0x67452301), tobit(0xefcdab89), tobit(0x98badcfe), tobit(0x10325476)
    for chunk = 1, #msg, 64 do
      local M = {}
      for j = 0, 15 do M[j] = le32(msg, chunk + 4 * j) end
      local A, B, C, D = a0, b0, c0, d0
      for i = 0, 63 do
        local f, g
        if i < 16 then f, g = bor(band(B, C), band(bnot(B), D)), i
        elseif i < 32 then f, g = bor(band(D, B), band(bnot(D), C)), (5 * i + 1) % 16
        elseif i < 48 then f, g = bxor(B, C, D), (3 * i + 5) % 16
        else f, g = bxor(C, bor(B, bnot(D))), (7 * i) % 16 end
        A, B, C, D = D, tobit(B + rol(tobit(A + f + K[i] + M[g]), S[i + 1])), B, C
      end
      a0, b0, c0, d0 = tobit(a0 + A), tobit(b0 + B), tobit(c0 + C), tobit(d0 + D)
    end
    return tole(a0) .. tole(b0) .. tole(c0) .. tole(d0)
  end
end

local function xor_pad(key, byte)
  local out = {}
  for i = 1, 64 do out[i] = string.char(bit.bxor(key:byte(i) or 0, byte)) end
  return table.concat(out)
end
local MACS = {
  ["hmac-md5"] = function(key, data) -- RFC 2104
    if #key > 64 then key = md5(key) end
    return md5(xor_pad(key, 0x5c) .. md5(xor_pad(key, 0x36) .. data))
  end,
  ["md5-prefix-suffix"] = function(key, data) return md5(key .. data .. key) end,
}

-- A small JSON reader for the keys file (the user's own file; depth and size bounded all the same).
local function json_decode(text)
  local pos = 1
  local function fail(what) error("keys file: " .. what .. " at character " .. pos, 0) end
  local function ws() pos = text:find("[^ \t\r\n]", pos) or #text + 1 end
  local value
  local function str()
    local out = {}
    pos = pos + 1
    while true do
      local ch = text:sub(pos, pos)
      if ch == "" then fail("unterminated string") end
      if ch == '"' then pos = pos + 1; return table.concat(out) end
      if ch == "\\" then
        local e = text:sub(pos + 1, pos + 1)
        local map = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }
        if map[e] then table.insert(out, map[e]); pos = pos + 2
        elseif e == "u" then table.insert(out, "?"); pos = pos + 6
        else fail("bad escape") end
      else table.insert(out, ch); pos = pos + 1 end
    end
  end
  value = function(depth)
    if depth > 20 then fail("nesting too deep") end
    ws()
    local ch = text:sub(pos, pos)
    if ch == "{" then
      local obj = {}
      pos = pos + 1; ws()
      if text:sub(pos, pos) == "}" then pos = pos + 1; return obj end
      while true do
        ws()
        if text:sub(pos, pos) ~= '"' then fail("expected a member name") end
        local k = str(); ws()
        if text:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        obj[k] = value(depth + 1); ws()
        local c = text:sub(pos, pos); pos = pos + 1
        if c == "}" then return obj end
        if c ~= "," then fail("expected ',' or '}'") end
      end
    elseif ch == "[" then
      local arr = {}
      pos = pos + 1; ws()
      if text:sub(pos, pos) == "]" then pos = pos + 1; return arr end
      while true do
        table.insert(arr, value(depth + 1)); ws()
        local c = text:sub(pos, pos); pos = pos + 1
        if c == "]" then return arr end
        if c ~= "," then fail("expected ',' or ']'") end
      end
    elseif ch == '"' then return str()
    else
      local lit = text:match("^-?[%d.eE+-]+", pos)
      if lit then pos = pos + #lit; return tonumber(lit) end
      for word, v in pairs({ ["true"] = true, ["false"] = false, ["null"] = json_null }) do
        if text:sub(pos, pos + #word - 1) == word then pos = pos + #word; return v end
      end
      fail("unexpected character")
    end
  end
  local v = value(0)
  ws()
  if pos <= #text then fail("trailing characters") end
  return v
end

local keys = { path = nil, sas = nil }
local function parse_spi(v)
  if type(v) == "number" then return v end
  if type(v) ~= "string" then return nil end
  if v:match("^%s*0[xX]%x+%s*$") then return tonumber(v:match("%x+", v:find("[xX]") + 1), 16) end
  return tonumber(v)
end
local function hex_to_raw(h)
  if type(h) ~= "string" or #h % 2 ~= 0 or h:find("[^%x]") then return nil end
  return (h:gsub("%x%x", function(x) return string.char(tonumber(x, 16)) end))
end
-- The SAs of the keys file, read again when the preference changes; an unreadable file is reported once.
local function keys_file_sas()
  local path = mipscope.prefs.keys_file
  if path == keys.path then return keys.sas end
  keys.path, keys.sas = path, nil
  if path == nil or path == "" then return nil end
  local f, err = io.open(path, "rb")
  if not f then report_failure("mipscope: cannot read the keys file: " .. tostring(err)); return nil end
  local text = f:read(MAX_KEYS_FILE_BYTES + 1) or ""
  f:close()
  if #text > MAX_KEYS_FILE_BYTES then report_failure("mipscope: the keys file " .. path .. " is larger than " .. MAX_KEYS_FILE_BYTES .. " bytes"); return nil end
  local ok, doc = pcall(json_decode, text)
  if not ok then report_failure("mipscope: " .. path .. ": " .. tostring(doc)); return nil end
  local sas = {}
  for _, e in ipairs(type(doc) == "table" and type(doc.sas) == "table" and doc.sas or {}) do
    local spi, key = parse_spi(e.spi), hex_to_raw(e.key)
    if spi and key and type(e.auth) == "string" then sas[spi] = { key = key, auth = e.auth } end
  end
  keys.sas = sas
  return sas
end

local AUTH_TYPES = { [32] = true, [33] = true, [34] = true, [36] = true }
verify_authenticators = function(m)
  local sas = keys_file_sas()
  if not sas then return end
  local tvb, verified = m.tvb, 0
  for _, x in ipairs(m.exts) do
    local spi_at = x.off + x.hdr
    local auth_at = spi_at + 4
    if AUTH_TYPES[x.type] and auth_at <= x.stop then
      local sa = sas[tvb(spi_at, 4):uint()]
      local mac = sa and MACS[sa.auth]
      local range = tvb(auth_at, x.stop - auth_at)
      if mac and verified < MAX_AUTHENTICATORS_PER_MESSAGE then
        verified = verified + 1
        local expected = mac(sa.key, tvb(0, auth_at):raw())
        local status = (range:len() == 16 and range:raw() == expected) and "good" or "bad"
        local si = x.node:add(F["mip.auth.status"], range, status)
        si:set_generated(true)
        x.node:add(F["mip.auth.alg"], range, sa.auth):set_generated(true)
        if status == "bad" then
          local ba = ByteArray.new(expected, true)
          x.node:add(F["mip.auth.expected"], ba:tvb("Expected authenticator")()):set_generated(true)
          expert_at(si, E["mip.auth.bad"], "Authenticator does not verify under the keys file's SA " .. spi_hex(tvb(spi_at, 4):uint()))
        end
        x.node:append_text(" [" .. status .. "]")
      else
        x.node:add(F["mip.auth.status"], range, "unverified"):set_generated(true)
      end
    end
  end
end

---------------------------------------------------------------------------------------------
-- The protocol
---------------------------------------------------------------------------------------------
function mipscope.dissector(tvb, pinfo, tree)
  local len = tvb:len()
  if len < 1 then return 0 end
  pinfo.cols.protocol = "MobileIP"
  local t = tvb(0, 1):uint()
  local node = tree:add(F["mip"], tvb(0, len))
  node:add(F["mip.type"], tvb(0, 1))
  node:append_text(" (" .. (MESSAGE_TYPES[t] or ("Unknown type " .. t)) .. ")")
  local m = { type = t, tvb = tvb, len = len, node = node, ext_start = len, info = "", exts = {} }
  local body = MSG[t]
  if not body then
    pinfo.cols.info = (MESSAGE_TYPES[t] or "Unknown message") .. " (type " .. t .. ")"
    expert_at(node, E["mip.type.unknown"], "Unknown Mobile IP message type " .. t)
    if len > 1 then node:add(F["mip.extension"], tvb(1, len - 1)) end
    return len
  end
  local ok = guarded(function() body(m, cursor(tvb, 1, len), pinfo, tree) end, function()
    expert_at(node, E["mipscope.malformed"], "Malformed Packet (Exception occurred): mip: the message is shorter than its fixed fields")
    m.info = m.info .. " [Malformed Packet]"
  end)
  if ok then
    guarded(function() dissect_extensions(m) end, function() end)
    verify_authenticators(m)
  end
  pinfo.cols.info = m.info
  return len
end

local registered_port = nil
local function register_port()
  local udp = DissectorTable.get("udp.port")
  if registered_port then udp:remove(registered_port, mipscope) end
  registered_port = mipscope.prefs["udp.port"]
  udp:add(registered_port, mipscope)
end
function mipscope.prefs_changed() register_port() end
register_port()
`;
