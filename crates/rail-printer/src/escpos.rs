//! A streaming ESC/POS decoder: the bytes a POS sends to a kitchen printer, turned into
//! printed lines (with their emphasis and size), cuts, and the status answers a real
//! printer would send back.
//!
//! Bytes arrive in arbitrary pieces; [`Decoder::feed`] keeps whatever part of a command
//! is still incomplete and carries on with the next piece. Everything that is not text
//! is skipped by its declared length, so image, barcode or QR data is never read as
//! text. The commands it knows (Epson's ESC/POS as TM-series kitchen printers and their
//! clones implement it):
//!
//! | bytes | meaning | handling |
//! |---|---|---|
//! | `LF`, `FF`, `ESC d n`, `ESC J n`, `ESC e n` | print (and feed) | ends the line |
//! | `CR`, `NUL`, `CAN`, other C0 controls | carriage return, padding | ignored |
//! | `HT` | horizontal tab | a space |
//! | `ESC @` | initialise | styles and code page back to the printer's defaults |
//! | `ESC ! n` | print mode | bold (bit 3), double height (bit 4), double width (bit 5) |
//! | `ESC E n`, `ESC G n` | emphasis, double strike | bold |
//! | `GS ! n` | character size | width = high nibble + 1, height = low nibble + 1 |
//! | `ESC t n` | code table | 0 CP437, 2 CP850, 16 CP1252, 19 CP858; others keep the current one |
//! | `ESC i`, `ESC m`, `GS V m [n]` | cut | ends the chit |
//! | `DLE EOT n` | real-time status | answered: online, no error, paper present |
//! | `GS a n` | automatic status back | answered once, with the same status, when enabled |
//! | `GS r n`, `ESC u n`, `ESC v n` | transmit status | answered: paper present, drawer closed |
//! | `GS I n` | printer id | answered (model, type with cutter, firmware "Rail") |
//! | `ESC * m nL nH d…` | bit image | data skipped: (nL + 256·nH) × (1 or 3) bytes |
//! | `GS v 0 m xL xH yL yH d…` | raster image | data skipped: (xL + 256·xH) × (yL + 256·yH) bytes |
//! | `GS ( x pL pH …`, `ESC ( x pL pH …`, `FS ( x pL pH …` | graphics, QR and 2D codes, beeps, settings | skipped: pL + 256·pH bytes |
//! | `GS 8 L p1 p2 p3 p4 …` | large graphics | skipped: 32-bit length |
//! | `GS k m …` | barcode | data skipped: up to NUL (m ≤ 6) or n bytes (m ≥ 65) |
//! | `GS * x y d…` | downloaded image | data skipped: x × y × 8 bytes |
//! | `FS q n …` | NV images | each image's data skipped |
//! | `ESC & y c1 c2 …` | user-defined characters | each character's data skipped |
//! | `ESC D n… NUL` | tab stops | skipped up to NUL |
//! | `ESC p m t1 t2`, `DLE DC4 …`, `ESC B n t` | drawer kick, pulse, buzzer | skipped |
//! | every other `ESC`, `FS`, `GS` command | alignment, fonts, spacing, colour, barcode settings… | skipped by its fixed length |
//!
//! An unknown command byte after `ESC`, `FS` or `GS` is dropped on its own; the bytes
//! after it are read again as text or commands, so a stream the decoder does not
//! understand degrades to a few stray characters rather than a lost chit.

use crate::codepage::CodePage;

/// What the printer's text looked like on one printed line.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Line {
    pub text: String,
    /// Some of it was printed bold (ESC E, ESC G or ESC ! bit 3).
    pub bold: bool,
    /// Some of it was printed at double height or width (or larger): POSes print item
    /// lines big, so the chit reader takes it as a hint.
    pub big: bool,
}

/// What the decoder found in the bytes fed so far, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A printed line.
    Line(Line),
    /// The paper was cut: the chit ends here.
    Cut,
    /// The POS asked for status: send these bytes back on the connection.
    Reply(Vec<u8>),
}

/// The answer of an online printer with paper, no error and the cover closed: bits 1
/// and 4 are fixed at 1 in every `DLE EOT` answer; every other bit 0 means "fine".
const STATUS_OK: u8 = 0b0001_0010;
/// Automatic status back: four bytes, bit 4 of the first fixed at 1, bits 0–3 of the
/// fourth set as Epson printers send them; no error bit set.
const ASB_OK: [u8; 4] = [0x10, 0x00, 0x00, 0x0f];
/// `GS r` / `ESC v` answer: paper adequate, drawer closed.
const SENSOR_OK: u8 = 0x00;

/// The longest command header kept while waiting for its end (user-defined
/// characters and NV images carry their data inside the header).
const MAX_HEADER: usize = 64 * 1024;

const ESC: u8 = 0x1b;
const FS: u8 = 0x1c;
const GS: u8 = 0x1d;
const DLE: u8 = 0x10;

/// The text style in force, as the printer would apply it.
#[derive(Debug, Clone, Copy, Default)]
struct Style {
    bold_mode: bool,     // ESC ! bit 3
    emphasis: bool,      // ESC E
    double_strike: bool, // ESC G
    mode_big: bool,      // ESC ! bits 4, 5
    size_big: bool,      // GS !
}

impl Style {
    fn bold(self) -> bool {
        self.bold_mode || self.emphasis || self.double_strike
    }
    fn big(self) -> bool {
        self.mode_big || self.size_big
    }
}

/// How one command is laid out after its command bytes.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `n` parameter bytes.
    Fixed(usize),
    /// One function byte, then a 16-bit little-endian length, then that many bytes.
    Len16,
    /// One function byte, then a 32-bit little-endian length, then that many bytes.
    Len32,
    /// Bytes up to and including a NUL.
    UntilNul,
    /// `m nL nH` then (nL + 256·nH) × (1 for m ∈ {0, 1}, else 3) bytes.
    BitImage,
    /// `m xL xH yL yH` (after the `0`/`48` byte) then x × y bytes.
    Raster,
    /// `GS V m [n]`.
    Cut,
    /// `GS k m …`.
    Barcode,
    /// `x y` then x × y × 8 bytes.
    Download,
    /// `FS q n`, then n images of `xL xH yL yH` + x × y × 8 bytes.
    NvImages,
    /// `ESC & y c1 c2`, then for each character `x` + y × x bytes.
    UserChars,
}

/// What a command does once read.
#[derive(Debug, Clone, Copy)]
enum Effect {
    Nothing,
    LineEnd,
    Cut,
    Init,
    PrintMode,
    Emphasis,
    DoubleStrike,
    CharSize,
    CodeTable,
    AutoStatus,
    SensorStatus,
    PrinterId,
}

/// The command table: (prefix, command byte) → layout and effect.
fn command(prefix: u8, byte: u8) -> Option<(Shape, Effect)> {
    use Effect as E;
    use Shape as S;
    let entry = match (prefix, byte) {
        (ESC, b'@') => (S::Fixed(0), E::Init),
        (ESC, b'!') => (S::Fixed(1), E::PrintMode),
        (ESC, b'E') => (S::Fixed(1), E::Emphasis),
        (ESC, b'G') => (S::Fixed(1), E::DoubleStrike),
        (ESC, b't') => (S::Fixed(1), E::CodeTable),
        (ESC, b'd' | b'J' | b'e') => (S::Fixed(1), E::LineEnd),
        (ESC, b'i' | b'm') => (S::Fixed(0), E::Cut),
        (ESC, b'u' | b'v') => (S::Fixed(1), E::SensorStatus),
        (ESC, b'*') => (S::BitImage, E::Nothing),
        (ESC, b'&') => (S::UserChars, E::Nothing),
        (ESC, b'D') => (S::UntilNul, E::Nothing),
        (ESC, b'(') => (S::Len16, E::Nothing),
        (ESC, b'p') => (S::Fixed(3), E::Nothing),
        (ESC, b'B' | b'c' | b'$' | b'\\') => (S::Fixed(2), E::Nothing),
        (ESC, b'W') => (S::Fixed(8), E::Nothing),
        (ESC, b'2' | b'<' | b'L' | b'S') => (S::Fixed(0), E::Nothing),
        (
            ESC,
            b'3' | b'-' | b'a' | b'M' | b'R' | b' ' | b'r' | b'V' | b'{' | b'U' | b'T' | b'?'
            | b'%' | b'=' | b'K' | b'4' | b'I',
        ) => (S::Fixed(1), E::Nothing),
        (GS, b'!') => (S::Fixed(1), E::CharSize),
        (GS, b'V') => (S::Cut, E::Cut),
        (GS, b'a') => (S::Fixed(1), E::AutoStatus),
        (GS, b'r') => (S::Fixed(1), E::SensorStatus),
        (GS, b'I') => (S::Fixed(1), E::PrinterId),
        (GS, b'v') => (S::Raster, E::Nothing),
        (GS, b'(') => (S::Len16, E::Nothing),
        (GS, b'8') => (S::Len32, E::Nothing),
        (GS, b'k') => (S::Barcode, E::Nothing),
        (GS, b'*') => (S::Download, E::Nothing),
        (GS, b'L' | b'W' | b'P' | b'$' | b'\\') => (S::Fixed(2), E::Nothing),
        (GS, b'^' | b'z') => (S::Fixed(3), E::Nothing),
        (GS, b'g') => (S::Fixed(4), E::Nothing),
        (GS, b':') => (S::Fixed(0), E::Nothing),
        (GS, b'B' | b'H' | b'h' | b'w' | b'f' | b'T' | b'/' | b'b' | b'E' | b'|' | b'c') => {
            (S::Fixed(1), E::Nothing)
        }
        (FS, b'(') => (S::Len16, E::Nothing),
        (FS, b'q') => (S::NvImages, E::Nothing),
        (FS, b'p' | b'S') => (S::Fixed(2), E::Nothing),
        (FS, b'&' | b'.') => (S::Fixed(0), E::Nothing),
        (FS, b'!' | b'-' | b'C' | b'W') => (S::Fixed(1), E::Nothing),
        _ => return None,
    };
    Some(entry)
}

/// How a command's bytes, at the start of a buffer, were read.
enum Parsed {
    /// More bytes are needed to know.
    Incomplete,
    /// The command took `len` bytes and then `bulk` bytes of data to skip.
    Command {
        len: usize,
        bulk: u64,
        effect: Effect,
        param: u8,
    },
    /// Data up to a NUL follows `len` command bytes.
    UntilNul { len: usize },
    /// The prefix was followed by a byte no command starts with.
    Unknown,
}

fn le16(bytes: &[u8]) -> u64 {
    u64::from(bytes[0]) | u64::from(bytes[1]) << 8
}

/// Reads the command at the start of `buf` (which starts with ESC, FS or GS).
fn parse_command(buf: &[u8]) -> Parsed {
    let Some(&byte) = buf.get(1) else {
        return Parsed::Incomplete;
    };
    let Some((shape, effect)) = command(buf[0], byte) else {
        return Parsed::Unknown;
    };
    let rest = &buf[2..];
    let need = |n: usize| rest.len() < n;
    let done = |len: usize, bulk: u64| Parsed::Command {
        len: 2 + len,
        bulk,
        effect,
        param: rest.first().copied().unwrap_or(0),
    };
    match shape {
        Shape::Fixed(n) => {
            if need(n) {
                Parsed::Incomplete
            } else {
                done(n, 0)
            }
        }
        Shape::Len16 => {
            if need(3) {
                Parsed::Incomplete
            } else {
                done(3, le16(&rest[1..3]))
            }
        }
        Shape::Len32 => {
            if need(5) {
                Parsed::Incomplete
            } else {
                let length = le16(&rest[1..3]) | le16(&rest[3..5]) << 16;
                done(5, length)
            }
        }
        Shape::UntilNul => Parsed::UntilNul { len: 2 },
        Shape::BitImage => {
            if need(3) {
                Parsed::Incomplete
            } else {
                let dots = le16(&rest[1..3]);
                done(3, if rest[0] < 2 { dots } else { dots * 3 })
            }
        }
        Shape::Raster => {
            if need(6) {
                Parsed::Incomplete
            } else {
                done(6, le16(&rest[2..4]) * le16(&rest[4..6]))
            }
        }
        Shape::Cut => match rest.first() {
            None => Parsed::Incomplete,
            Some(0 | 1 | 48 | 49) => done(1, 0),
            Some(_) if need(2) => Parsed::Incomplete,
            Some(_) => done(2, 0),
        },
        Shape::Barcode => match rest.first() {
            None => Parsed::Incomplete,
            Some(m) if *m <= 6 => Parsed::UntilNul { len: 3 },
            Some(_) if need(2) => Parsed::Incomplete,
            Some(_) => done(2, u64::from(rest[1])),
        },
        Shape::Download => {
            if need(2) {
                Parsed::Incomplete
            } else {
                done(2, u64::from(rest[0]) * u64::from(rest[1]) * 8)
            }
        }
        Shape::NvImages => {
            let Some(&count) = rest.first() else {
                return Parsed::Incomplete;
            };
            // Walks the images' headers; only the last image's data may be pending.
            let mut at = 1usize;
            for image in 0..count {
                if need(at + 4) {
                    return Parsed::Incomplete;
                }
                let size = le16(&rest[at..at + 2]) * le16(&rest[at + 2..at + 4]) * 8;
                at += 4;
                if image + 1 == count {
                    return done(at, size);
                }
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                if need(at.saturating_add(size)) {
                    return Parsed::Incomplete;
                }
                at += size;
            }
            done(at, 0)
        }
        Shape::UserChars => {
            if need(3) {
                return Parsed::Incomplete;
            }
            let height = usize::from(rest[0]);
            let (first, last) = (rest[1], rest[2]);
            let count = usize::from(last.saturating_sub(first)) + usize::from(last >= first);
            let mut at = 3usize;
            for _ in 0..count {
                let Some(&width) = rest.get(at) else {
                    return Parsed::Incomplete;
                };
                at += 1 + height * usize::from(width);
                if need(at) {
                    return Parsed::Incomplete;
                }
            }
            done(at, 0)
        }
    }
}

/// Decodes one printer connection's byte stream. Keep one per connection: styles, the
/// code page and a half-read command carry over from one [`Decoder::feed`] to the next.
#[derive(Debug)]
pub struct Decoder {
    default_page: CodePage,
    page: CodePage,
    style: Style,
    line: Line,
    /// The start of a command whose end has not arrived yet.
    pending: Vec<u8>,
    /// Data bytes still to skip (image, graphics, barcode).
    skip: u64,
    /// Skipping up to a NUL (barcode data, tab stops).
    skip_to_nul: bool,
    /// `GS a` turned automatic status back on: it is sent once, when enabled.
    auto_status: bool,
}

impl Decoder {
    /// A decoder reading text in `page` until the stream selects another with `ESC t`.
    pub fn new(page: CodePage) -> Self {
        Decoder {
            default_page: page,
            page,
            style: Style::default(),
            line: Line::default(),
            pending: Vec::new(),
            skip: 0,
            skip_to_nul: false,
            auto_status: false,
        }
    }

    /// Decodes the next piece of the stream, appending what it printed to `events`.
    pub fn feed(&mut self, mut bytes: &[u8], events: &mut Vec<Event>) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = usize::try_from(self.skip)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                self.skip -= n as u64;
                bytes = &bytes[n..];
                continue;
            }
            if self.skip_to_nul {
                match bytes.iter().position(|&b| b == 0) {
                    Some(at) => {
                        self.skip_to_nul = false;
                        bytes = &bytes[at + 1..];
                    }
                    None => bytes = &[],
                }
                continue;
            }
            if self.pending.is_empty() {
                let byte = bytes[0];
                if !matches!(byte, ESC | FS | GS | DLE) {
                    self.byte(byte, events);
                    bytes = &bytes[1..];
                    continue;
                }
            }
            // A command: gather its header (a few bytes) until it parses.
            self.pending.push(bytes[0]);
            bytes = &bytes[1..];
            self.try_command(events);
        }
    }

    /// Ends the stream: a line still being printed is printed. Returns whether the
    /// stream stopped in the middle of a command.
    pub fn finish(&mut self, events: &mut Vec<Event>) -> bool {
        self.end_line(events, false);
        let truncated = !self.pending.is_empty() || self.skip > 0 || self.skip_to_nul;
        self.pending.clear();
        self.skip = 0;
        self.skip_to_nul = false;
        truncated
    }

    fn try_command(&mut self, events: &mut Vec<Event>) {
        let buf = &self.pending;
        if buf[0] == DLE {
            match self.dle(events) {
                Some(len) if len > 0 => self.pending.clear(),
                Some(_) => {}
                None => {
                    // Not a command: DLE alone is a control character, ignored.
                    let rest: Vec<u8> = self.pending.drain(..).skip(1).collect();
                    self.refeed(&rest, events);
                }
            }
            return;
        }
        match parse_command(buf) {
            Parsed::Incomplete if buf.len() > MAX_HEADER => {
                // Headers are a few bytes; this is no command the decoder can finish.
                self.pending.clear();
            }
            Parsed::Incomplete => {}
            Parsed::Unknown => {
                // Drop the prefix and the unknown byte; read on from there.
                self.pending.clear();
            }
            Parsed::UntilNul { len } => {
                let rest: Vec<u8> = self.pending.drain(..).skip(len).collect();
                self.skip_to_nul = true;
                self.refeed(&rest, events);
            }
            Parsed::Command {
                len,
                bulk,
                effect,
                param,
            } => {
                let rest: Vec<u8> = self.pending.drain(..).skip(len).collect();
                self.skip = bulk;
                self.apply(effect, param, events);
                self.refeed(&rest, events);
            }
        }
    }

    /// Feeds bytes that were gathered as a command header but belong after it.
    fn refeed(&mut self, rest: &[u8], events: &mut Vec<Event>) {
        if !rest.is_empty() {
            self.feed(rest, events);
        }
    }

    /// `DLE` commands: `Some(len)` once complete (0 while incomplete), `None` if the
    /// bytes are no `DLE` command.
    fn dle(&mut self, events: &mut Vec<Event>) -> Option<usize> {
        let buf = &self.pending;
        match buf.get(1) {
            None => Some(0),
            Some(0x04) => match buf.get(2) {
                None => Some(0),
                Some(7 | 8) => {
                    // Extended status (n = 7 a, 8 a): consumed without an answer.
                    if buf.len() < 4 {
                        Some(0)
                    } else {
                        Some(4)
                    }
                }
                Some(_) => {
                    events.push(Event::Reply(vec![STATUS_OK]));
                    Some(3)
                }
            },
            Some(0x05) => (buf.len() >= 3).then_some(3).or(Some(0)),
            Some(0x14) => (buf.len() >= 5).then_some(5).or(Some(0)),
            Some(_) => None,
        }
    }

    fn apply(&mut self, effect: Effect, param: u8, events: &mut Vec<Event>) {
        match effect {
            Effect::Nothing => {}
            Effect::LineEnd => self.end_line(events, true),
            Effect::Cut => {
                self.end_line(events, false);
                events.push(Event::Cut);
            }
            Effect::Init => {
                self.style = Style::default();
                self.page = self.default_page;
            }
            Effect::PrintMode => {
                self.style.bold_mode = param & 0x08 != 0;
                self.style.mode_big = param & 0x30 != 0;
            }
            Effect::Emphasis => self.style.emphasis = param & 1 != 0,
            Effect::DoubleStrike => self.style.double_strike = param & 1 != 0,
            Effect::CharSize => self.style.size_big = param != 0,
            Effect::CodeTable => {
                if let Some(page) = CodePage::from_escpos_table(param) {
                    self.page = page;
                }
            }
            Effect::AutoStatus => {
                let enabled = param != 0;
                if enabled && !self.auto_status {
                    events.push(Event::Reply(ASB_OK.to_vec()));
                }
                self.auto_status = enabled;
            }
            Effect::SensorStatus => events.push(Event::Reply(vec![SENSOR_OK])),
            Effect::PrinterId => {
                let reply = match param {
                    // Model, type (bit 1: autocutter fitted), firmware version.
                    1 | 49 => vec![0x20],
                    2 | 50 => vec![0x02],
                    3 | 51 => vec![0x40],
                    // Extended ids: "_" + text + NUL.
                    65..=69 => {
                        let mut reply = b"_Rail".to_vec();
                        reply.push(0);
                        reply
                    }
                    _ => return,
                };
                events.push(Event::Reply(reply));
            }
        }
    }

    fn byte(&mut self, byte: u8, events: &mut Vec<Event>) {
        match byte {
            b'\n' | 0x0c => self.end_line(events, true),
            b'\t' => self.push_char(' '),
            0x00..=0x1f | 0x7f => {}
            0x20..=0x7e => self.push_char(char::from(byte)),
            _ => self.push_char(self.page.decode(byte)),
        }
    }

    fn push_char(&mut self, c: char) {
        if !c.is_whitespace() {
            self.line.bold |= self.style.bold();
            self.line.big |= self.style.big();
        }
        self.line.text.push(c);
    }

    /// Prints the line being built. A feed with nothing on the line is a blank line;
    /// a cut or the end of the stream with nothing on it prints nothing.
    fn end_line(&mut self, events: &mut Vec<Event>, blank_counts: bool) {
        if self.line.text.is_empty() && !blank_counts {
            return;
        }
        let mut line = std::mem::take(&mut self.line);
        line.text.truncate(line.text.trim_end().len());
        events.push(Event::Line(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Vec<Event> {
        let mut decoder = Decoder::new(CodePage::Cp437);
        let mut events = Vec::new();
        decoder.feed(bytes, &mut events);
        decoder.finish(&mut events);
        events
    }

    fn lines(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Line(line) => Some(line.text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn text_lines_styles_and_a_cut() {
        let mut bytes = b"\x1b@Table 4\n\x1b!\x38 2 Burger\n\x1b!\x00  no onion\n".to_vec();
        bytes.extend_from_slice(b"\x1dV\x41\x03");
        let events = decode(&bytes);
        assert_eq!(
            events,
            vec![
                Event::Line(Line {
                    text: "Table 4".into(),
                    bold: false,
                    big: false
                }),
                Event::Line(Line {
                    text: " 2 Burger".into(),
                    bold: true,
                    big: true
                }),
                Event::Line(Line {
                    text: "  no onion".into(),
                    bold: false,
                    big: false
                }),
                Event::Cut,
            ]
        );
    }

    #[test]
    fn image_barcode_and_qr_data_is_never_text() {
        let mut bytes = b"A\n".to_vec();
        // Raster image 2 bytes wide, 3 rows: data full of printable letters.
        bytes.extend_from_slice(b"\x1dv0\x00\x02\x00\x03\x00ABCDEF");
        // QR code: store data "HELLO" (pL pH = 8: cn fn m + 5 bytes).
        bytes.extend_from_slice(b"\x1d(k\x08\x001P0HELLO");
        // Barcode, NUL-terminated and length-prefixed forms.
        bytes.extend_from_slice(b"\x1dk\x04CODE39\x00\x1dkI\x05{B123");
        // Bit image, 24-dot: 2 columns × 3 bytes.
        bytes.extend_from_slice(b"\x1b*\x21\x02\x00XXXXXX");
        // A drawer kick and a buzzer.
        bytes.extend_from_slice(b"\x1bp\x00\x19\xfa\x1bB\x03\x02");
        bytes.extend_from_slice(b"B\n");
        assert_eq!(lines(&decode(&bytes)), vec!["A", "B"]);
    }

    #[test]
    fn a_command_split_across_reads_is_reassembled() {
        let bytes = b"\x1b!\x10Big\n\x1dv0\x00\x01\x00\x02\x00ZZ\x1dV\x00";
        let whole = decode(bytes);
        for split in 1..bytes.len() {
            let mut decoder = Decoder::new(CodePage::Cp437);
            let mut events = Vec::new();
            decoder.feed(&bytes[..split], &mut events);
            decoder.feed(&bytes[split..], &mut events);
            decoder.finish(&mut events);
            assert_eq!(events, whole, "split at {split}");
        }
    }

    #[test]
    fn status_requests_are_answered_as_an_online_printer() {
        let events = decode(b"\x10\x04\x01\x10\x04\x04\x1da\xff\x1dr\x01\x1dI\x01");
        assert_eq!(
            events,
            vec![
                Event::Reply(vec![0x12]),
                Event::Reply(vec![0x12]),
                Event::Reply(vec![0x10, 0x00, 0x00, 0x0f]),
                Event::Reply(vec![0x00]),
                Event::Reply(vec![0x20]),
            ]
        );
    }

    #[test]
    fn code_pages_switch_with_esc_t() {
        // "é" is 0x82 in CP437 and CP850, 0xE9 in CP1252; "€" is 0xD5 in CP858.
        let events = decode(b"caf\x82\n\x1bt\x10caf\xe9\n\x1bt\x13\xd5 5\n");
        assert_eq!(lines(&events), vec!["café", "café", "€ 5"]);
    }

    #[test]
    fn a_truncated_command_is_reported_and_drops_nothing_before_it() {
        let mut decoder = Decoder::new(CodePage::Cp437);
        let mut events = Vec::new();
        decoder.feed(b"Soup\n\x1dv0\x00\x10\x00", &mut events);
        assert!(decoder.finish(&mut events));
        assert_eq!(lines(&events), vec!["Soup"]);
    }
}
