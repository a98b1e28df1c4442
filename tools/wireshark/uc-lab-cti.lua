-- Wireshark dissector for the uc-interop-lab CTI link (CUP <-> CUCM, TCP 2748).
-- The framing is the lab's own model of CTIQBE, whose wire format Cisco never published
-- (docs/protocols/cti.md): 16-byte header, big-endian, then a UTF-8 JSON payload.
--   tshark -X lua_script:tools/wireshark/uc-lab-cti.lua -r reports/out/evidence/<cell>/trace.pcap -Y uclabcti
-- or copy this file into Wireshark's personal plugins folder.
-- The type codes below must match simulators/protocols/cti/cti-messages.ts (CTI_TYPE_CODES; a test checks it).

local cti = Proto("uclabcti", "uc-interop-lab CTI link (lab framing, not Cisco CTIQBE)")

local TYPES = {
  [0x0101] = "ProviderOpenRequest",
  [0x0102] = "ProviderOpenResponse",
  [0x0103] = "ProviderCloseRequest",
  [0x0104] = "ProviderCloseResponse",
  [0x0105] = "HeartbeatRequest",
  [0x0106] = "HeartbeatResponse",
  [0x0201] = "MonitorDeviceRequest",
  [0x0202] = "MonitorDeviceResponse",
  [0x0203] = "MonitorStopRequest",
  [0x0204] = "MonitorStopResponse",
  [0x0301] = "MakeCallRequest",
  [0x0302] = "AnswerCallRequest",
  [0x0303] = "ClearCallRequest",
  [0x0304] = "HoldCallRequest",
  [0x0305] = "RetrieveCallRequest",
  [0x0306] = "SetForwardingRequest",
  [0x0307] = "RedirectCallRequest",
  [0x0308] = "SingleStepTransferRequest",
  [0x0309] = "GenerateDigitsRequest",
  [0x030a] = "TransferCallRequest",
  [0x0380] = "CallRequestResponse",
  [0x0401] = "CallEvent",
  [0x0402] = "ForwardingEvent",
  [0x0403] = "MonitorEndedEvent",
  [0x0f00] = "ErrorResponse",
}

local f_magic = ProtoField.string("uclabcti.magic", "Magic")
local f_version = ProtoField.uint8("uclabcti.version", "Version")
local f_reserved = ProtoField.uint8("uclabcti.reserved", "Reserved")
local f_type = ProtoField.uint16("uclabcti.type", "Message type", base.HEX, TYPES)
local f_invoke = ProtoField.uint32("uclabcti.invoke_id", "Invoke id")
local f_length = ProtoField.uint32("uclabcti.length", "Payload length")
local f_payload = ProtoField.string("uclabcti.payload", "Payload (JSON)")
cti.fields = { f_magic, f_version, f_reserved, f_type, f_invoke, f_length, f_payload }

local HEADER = 16
local json = Dissector.get("json")

-- One frame starting at offset; returns its length, or a negative number of bytes still needed.
local function frame(tvb, pinfo, tree, offset)
  local left = tvb:len() - offset
  if left < HEADER then return -(HEADER - left) end
  local length = tvb(offset + 12, 4):uint()
  local total = HEADER + length
  if left < total then return -(total - left) end
  local code = tvb(offset + 6, 2):uint()
  local name = TYPES[code] or string.format("unknown 0x%04x", code)
  local item = tree:add(cti, tvb(offset, total), "uc-lab CTI: " .. name)
  item:add(f_magic, tvb(offset, 4))
  item:add(f_version, tvb(offset + 4, 1))
  item:add(f_reserved, tvb(offset + 5, 1))
  item:add(f_type, tvb(offset + 6, 2))
  item:add(f_invoke, tvb(offset + 8, 4))
  item:add(f_length, tvb(offset + 12, 4))
  if length > 0 then
    item:add(f_payload, tvb(offset + HEADER, length))
    if json then json:call(tvb(offset + HEADER, length):tvb(), pinfo, item) end
  end
  return total, name
end

function cti.dissector(tvb, pinfo, tree)
  if tvb:len() >= 4 and tvb(0, 4):string() ~= "LCTI" then return 0 end
  local offset = 0
  local names = {}
  while offset < tvb:len() do
    local n, name = frame(tvb, pinfo, tree, offset)
    if n < 0 then
      pinfo.desegment_offset = offset
      pinfo.desegment_len = -n
      break
    end
    names[#names + 1] = name
    offset = offset + n
  end
  if #names > 0 then
    pinfo.cols.protocol = "UC-LAB CTI"
    pinfo.cols.info = table.concat(names, ", ")
  end
  return offset
end

DissectorTable.get("tcp.port"):add(2748, cti)
