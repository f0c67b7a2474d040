//! Fuzz harness for the printer door: raw bytes as a POS would send them to a printer
//! port.
//!
//! Promises checked:
//! - the decoder reads the same chits and answers the same status bytes however the
//!   stream is split into reads (the first byte picks the split);
//! - printed text holds no control characters;
//! - a chit the layout reads has items, each with a name and a quantity of 1 or more;
//! - every chit with text is accepted by a hub (an order, an add-on, a void or a
//!   ticket kept as printed): nothing printed is refused or lost.

use rail_hub::printer::orders::apply;
use rail_hub::printer::PrinterFile;
use rail_printer::chit::{read_all, Chit, ChitReader};
use rail_printer::codepage::CodePage;

/// Runs one input.
///
/// # Panics
/// When a promise above is broken.
pub fn run(data: &[u8]) {
    let Some((&split, stream)) = data.split_first() else {
        return;
    };
    let whole = read_all(stream, CodePage::Cp437);
    let (pieces, replies_split) = read_in_pieces(stream, usize::from(split) + 1);
    assert_eq!(whole, pieces, "chits depend on how the stream was split");
    let (_, replies_whole) = read_in_pieces(stream, stream.len().max(1));
    assert_eq!(
        replies_whole, replies_split,
        "status answers depend on the split"
    );

    let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let printer = PrinterFile::new("fuzz", listen, "fuzz", "grill")
        .compile()
        .expect("printer");
    let hub = crate::fresh_hub();
    for chit in &whole {
        for line in &chit.lines {
            assert!(
                !line.text.chars().any(char::is_control),
                "control character in printed text {:?}",
                line.text
            );
        }
        if let Ok(read) = printer.layout.read(chit) {
            assert!(!read.items.is_empty());
            for item in &read.items {
                assert!(item.qty >= 1 && !item.name.trim().is_empty(), "{item:?}");
            }
        }
        if let Err(error) = apply(&hub, &printer, chit, 1_800_000_000_000) {
            panic!("a printed chit was refused: {error}\n{}", chit.text());
        }
    }
}

fn read_in_pieces(stream: &[u8], piece: usize) -> (Vec<Chit>, Vec<u8>) {
    let mut reader = ChitReader::new(CodePage::Cp437);
    let mut chits = Vec::new();
    let mut replies = Vec::new();
    for chunk in stream.chunks(piece) {
        let read = reader.feed(chunk);
        chits.extend(read.chits);
        replies.extend(read.reply);
    }
    if let (Some(last), _) = reader.finish() {
        chits.push(last);
    }
    (chits, replies)
}
