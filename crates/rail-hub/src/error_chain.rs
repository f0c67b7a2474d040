//! An error's message together with its causes, as one line for a log or a problem
//! detail: several client libraries' own text names only the kind of failure ("IO
//! error", "error performing TLS handshake") and keep the reason in `source()`;
//! others repeat their cause in their own text, which is then not said twice.

/// `error`'s message followed by each of its causes not already said, separated by
/// `": "`.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !line.ends_with(&said) {
            line.push_str(": ");
            line.push_str(&said);
        }
        cause = inner.source();
    }
    line
}

#[cfg(test)]
mod tests {
    #[derive(Debug, thiserror::Error)]
    #[error("IO error")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("IO error: {0}")]
    struct Repeating(#[source] std::io::Error);

    #[test]
    fn a_cause_the_message_already_says_is_not_repeated() {
        let error = Repeating(std::io::Error::other("Connection refused"));
        assert_eq!(super::with_causes(&error), "IO error: Connection refused");
    }

    #[test]
    fn the_causes_follow_the_message() {
        let error = Outer(std::io::Error::other(
            "invalid peer certificate: UnknownIssuer",
        ));
        assert_eq!(
            super::with_causes(&error),
            "IO error: invalid peer certificate: UnknownIssuer"
        );
    }
}
