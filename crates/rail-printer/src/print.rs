//! The other direction: a chit for a real kitchen printer, in the ESC/POS subset every
//! such printer reads (initialise, code page, double size, line feeds, cut). The hub
//! prints a ticket this way on a station's fallback printer when no screen of the
//! station has it.

/// One printed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintLine {
    pub text: String,
    /// Double width and height, for what must be read from afar.
    pub big: bool,
}

impl PrintLine {
    pub fn normal(text: impl Into<String>) -> Self {
        PrintLine {
            text: text.into(),
            big: false,
        }
    }

    pub fn big(text: impl Into<String>) -> Self {
        PrintLine {
            text: text.into(),
            big: true,
        }
    }
}

const INIT: &[u8] = b"\x1b@";
/// `ESC t 16`: code page 1252 (WPC1252), so accented dish names print as written.
const CP1252: &[u8] = b"\x1bt\x10";
const BIG: &[u8] = b"\x1b!\x30";
const NORMAL: &[u8] = b"\x1b!\x00";
/// Feed three lines, then a partial cut (`GS V 66 3`).
const FEED_AND_CUT: &[u8] = b"\x1dVB\x03";

/// The bytes of one chit: the lines, then a cut. Characters code page 1252 cannot
/// print become `?`; control characters are dropped, so text cannot smuggle commands.
pub fn chit(lines: &[PrintLine]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(64 + lines.iter().map(|l| l.text.len() + 8).sum::<usize>());
    bytes.extend_from_slice(INIT);
    bytes.extend_from_slice(CP1252);
    for line in lines {
        bytes.extend_from_slice(if line.big { BIG } else { NORMAL });
        for c in line.text.chars().filter(|c| !c.is_control()) {
            let mut utf8 = [0u8; 4];
            let (encoded, _, unmappable) =
                encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut utf8));
            if unmappable {
                bytes.push(b'?');
            } else {
                bytes.extend_from_slice(&encoded);
            }
        }
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(NORMAL);
    bytes.extend_from_slice(FEED_AND_CUT);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chit::read_all;
    use crate::codepage::CodePage;

    #[test]
    fn a_printed_chit_reads_back_as_its_lines_through_the_decoder() {
        let lines = [
            PrintLine::big("NOT ON ANY SCREEN"),
            PrintLine::normal("Order #41 → Table 7"),
            PrintLine::big("2 x Crème brûlée"),
            PrintLine::normal("   ALLERGY: egg\u{7}\u{1b}@"),
        ];
        let bytes = chit(&lines);
        let chits = read_all(&bytes, CodePage::Cp437);
        assert_eq!(chits.len(), 1);
        assert!(chits[0].cut);
        assert_eq!(
            chits[0].text(),
            "NOT ON ANY SCREEN\nOrder #41 ? Table 7\n2 x Crème brûlée\n   ALLERGY: egg@"
        );
    }
}
