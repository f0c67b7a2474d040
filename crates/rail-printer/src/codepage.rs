//! The code pages a kitchen printer's text arrives in: which character a byte above
//! 0x7F stands for. Bytes below 0x80 are ASCII in all of them.

use std::fmt;
use std::str::FromStr;

/// A single-byte character set a POS may print in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CodePage {
    /// The printer's power-on default (PC437, "USA, Standard Europe").
    #[default]
    Cp437,
    /// PC850, Multilingual Latin 1.
    Cp850,
    /// PC858: CP850 with the euro sign at 0xD5.
    Cp858,
    /// Windows-1252 (WPC1252), which Windows POSes often print in.
    Cp1252,
}

impl CodePage {
    /// The page `ESC t n` selects, for the tables this reader knows.
    pub fn from_escpos_table(n: u8) -> Option<Self> {
        match n {
            0 => Some(CodePage::Cp437),
            2 => Some(CodePage::Cp850),
            16 => Some(CodePage::Cp1252),
            19 => Some(CodePage::Cp858),
            _ => None,
        }
    }

    /// The character `byte` prints as on this page.
    pub fn decode(self, byte: u8) -> char {
        if byte < 0x80 {
            return char::from(byte);
        }
        let high = usize::from(byte - 0x80);
        match self {
            CodePage::Cp437 => oem_cp::code_table::DECODING_TABLE_CP437[high],
            CodePage::Cp850 => oem_cp::code_table::DECODING_TABLE_CP850[high],
            CodePage::Cp858 => oem_cp::code_table::DECODING_TABLE_CP858[high],
            CodePage::Cp1252 => {
                let bytes = [byte];
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
                text.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER)
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            CodePage::Cp437 => "cp437",
            CodePage::Cp850 => "cp850",
            CodePage::Cp858 => "cp858",
            CodePage::Cp1252 => "cp1252",
        }
    }
}

impl fmt::Display for CodePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A code page name that is not one of `cp437`, `cp850`, `cp858`, `cp1252`.
#[derive(Debug, thiserror::Error)]
#[error("unknown code page {0:?}: use cp437, cp850, cp858 or cp1252")]
pub struct UnknownCodePage(String);

impl FromStr for CodePage {
    type Err = UnknownCodePage;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "cp437" | "pc437" => Ok(CodePage::Cp437),
            "cp850" | "pc850" => Ok(CodePage::Cp850),
            "cp858" | "pc858" => Ok(CodePage::Cp858),
            "cp1252" | "wpc1252" | "windows1252" => Ok(CodePage::Cp1252),
            _ => Err(UnknownCodePage(name.to_owned())),
        }
    }
}

impl TryFrom<String> for CodePage {
    type Error = UnknownCodePage;
    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

impl From<CodePage> for String {
    fn from(page: CodePage) -> Self {
        page.name().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_reads_its_own_accents() {
        assert_eq!(CodePage::Cp437.decode(0x82), 'é');
        assert_eq!(CodePage::Cp850.decode(0x82), 'é');
        assert_eq!(CodePage::Cp850.decode(0xD5), 'ı');
        assert_eq!(CodePage::Cp858.decode(0xD5), '€');
        assert_eq!(CodePage::Cp1252.decode(0xE9), 'é');
        assert_eq!(CodePage::Cp1252.decode(0x80), '€');
        assert_eq!(CodePage::Cp437.decode(b'A'), 'A');
    }

    #[test]
    fn names_parse_both_ways() {
        for page in [
            CodePage::Cp437,
            CodePage::Cp850,
            CodePage::Cp858,
            CodePage::Cp1252,
        ] {
            assert_eq!(page.to_string().parse::<CodePage>().ok(), Some(page));
        }
        assert_eq!(
            "Windows-1252".parse::<CodePage>().ok(),
            Some(CodePage::Cp1252)
        );
        assert!("cp999".parse::<CodePage>().is_err());
    }
}
