// capture/: bytes in and out, no protocol knowledge (DESIGN.md). One import for the rest of mipscope.
export {
  CaptureFileError,
  MAX_RECORD_LENGTH,
  type CaptureFormat,
  type CaptureInfo,
  type Frame,
  type InterfaceInfo,
  type ReadOptions,
} from './frame.js';
export { parseCaptureBuffer, readCapture, readCaptureStream, readCaptureSync } from './read.js';
export {
  DEFAULT_SNAPLEN,
  PcapWriter,
  PcapngWriter,
  createFrameWriter,
  encodePcap,
  encodePcapng,
  writeCaptureFile,
  type ByteOrder,
  type FrameLike,
  type FrameWriter,
  type FrameWriterOptions,
  type PacketToWrite,
  type PcapWriterOptions,
  type PcapngInterfaceOptions,
  type Sink,
  type WriteFormat,
  type WriterOptions,
} from './write.js';
