//! An error's message together with its causes, as one line for a log, a problem
//! detail or a screen's status: several client libraries' own text names only the kind
//! of failure ("IO error", "error sending request", "error performing TLS handshake")
//! and keep the reason in `source()`; others repeat their cause in their own text,
//! which is then not said twice. The hub and the screen engine both use it.

/// `error`'s message followed by each of its causes not already said, separated by
/// `": "`.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !line.contains(&said) {
            line.push_str(": ");
            line.push_str(&said);
        }
        cause = inner.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use std::fmt;

    /// An error whose own text is `text` and whose cause is `cause`.
    #[derive(Debug)]
    struct Failure {
        text: String,
        cause: std::io::Error,
    }

    impl fmt::Display for Failure {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.text)
        }
    }

    impl std::error::Error for Failure {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.cause)
        }
    }

    #[test]
    fn the_causes_follow_the_message() {
        let error = Failure {
            text: "IO error".into(),
            cause: std::io::Error::other("invalid peer certificate: UnknownIssuer"),
        };
        assert_eq!(
            super::with_causes(&error),
            "IO error: invalid peer certificate: UnknownIssuer"
        );
    }

    #[test]
    fn a_cause_the_message_already_says_is_not_repeated() {
        let error = Failure {
            text: "IO error: Connection refused".into(),
            cause: std::io::Error::other("Connection refused"),
        };
        assert_eq!(super::with_causes(&error), "IO error: Connection refused");
    }
}
