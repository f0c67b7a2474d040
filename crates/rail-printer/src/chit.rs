//! Chits: the printed lines between two cuts, collected from a decoder's events.

use crate::codepage::CodePage;
use crate::escpos::{Decoder, Event, Line};

/// One kitchen chit as the printer would have printed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Chit {
    pub lines: Vec<Line>,
    /// False when the stream ended without a cut after these lines.
    pub cut: bool,
}

impl Chit {
    /// The chit's text, a line per printed line, blank lines at either end removed.
    pub fn text(&self) -> String {
        let lines: Vec<&str> = self.lines.iter().map(|l| l.text.as_str()).collect();
        lines.join("\n").trim_matches('\n').to_owned()
    }

    /// Whether anything but blank lines was printed.
    pub fn has_text(&self) -> bool {
        self.lines.iter().any(|l| !l.text.trim().is_empty())
    }
}

/// Reads a byte stream into chits and status answers.
#[derive(Debug)]
pub struct ChitReader {
    decoder: Decoder,
    lines: Vec<Line>,
    events: Vec<Event>,
}

/// What one piece of the stream produced.
#[derive(Debug, Default)]
pub struct Read {
    /// Chits completed by a cut.
    pub chits: Vec<Chit>,
    /// Bytes to send back to the POS (status answers), in order.
    pub reply: Vec<u8>,
}

impl ChitReader {
    pub fn new(page: CodePage) -> Self {
        ChitReader {
            decoder: Decoder::new(page),
            lines: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Reads the next piece of the stream.
    pub fn feed(&mut self, bytes: &[u8]) -> Read {
        self.decoder.feed(bytes, &mut self.events);
        self.drain()
    }

    /// Ends the stream: lines printed since the last cut make a chit of their own (the
    /// POS closed the connection without cutting). Also says whether the stream
    /// stopped in the middle of a command.
    pub fn finish(&mut self) -> (Option<Chit>, bool) {
        let truncated = self.decoder.finish(&mut self.events);
        let read = self.drain();
        debug_assert!(read.chits.is_empty());
        let chit = Chit {
            lines: std::mem::take(&mut self.lines),
            cut: false,
        };
        (chit.has_text().then_some(chit), truncated)
    }

    /// Lines printed since the last cut.
    pub fn lines_pending(&self) -> usize {
        self.lines.len()
    }

    fn drain(&mut self) -> Read {
        let mut read = Read::default();
        for event in self.events.drain(..) {
            match event {
                Event::Line(line) => self.lines.push(line),
                Event::Cut => {
                    let chit = Chit {
                        lines: std::mem::take(&mut self.lines),
                        cut: true,
                    };
                    // A cut with nothing printed (a POS's paper-eject, a second cut)
                    // makes no chit.
                    if chit.has_text() {
                        read.chits.push(chit);
                    }
                }
                Event::Reply(bytes) => read.reply.extend_from_slice(&bytes),
            }
        }
        read
    }
}

/// Reads a whole captured stream: every chit in it, the last one even without a cut.
pub fn read_all(bytes: &[u8], page: CodePage) -> Vec<Chit> {
    let mut reader = ChitReader::new(page);
    let mut chits = reader.feed(bytes).chits;
    if let (Some(last), _) = reader.finish() {
        chits.push(last);
    }
    chits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_separate_chits_and_the_last_needs_none() {
        let stream = b"Order 1\n1 Soup\n\x1dV\x00\x1dV\x00Order 2\n2 Tea\n";
        let chits = read_all(stream, CodePage::Cp437);
        assert_eq!(chits.len(), 2);
        assert_eq!(chits[0].text(), "Order 1\n1 Soup");
        assert!(chits[0].cut);
        assert_eq!(chits[1].text(), "Order 2\n2 Tea");
        assert!(!chits[1].cut);
    }

    #[test]
    fn status_answers_come_back_in_order() {
        let mut reader = ChitReader::new(CodePage::Cp437);
        let read = reader.feed(b"\x10\x04\x01\x10\x04\x04");
        assert_eq!(read.reply, vec![0x12, 0x12]);
        assert!(read.chits.is_empty());
        assert_eq!(reader.finish().0, None);
    }
}
