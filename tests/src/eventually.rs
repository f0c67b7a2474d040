//! Waiting in tests, one way: try something until it works or a deadline passes, and
//! say what was awaited and what the last try found. No test sleeps a fixed time for
//! a condition or writes its own deadline loop.

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::bail;

/// Time between tries.
const POLL: Duration = Duration::from_millis(20);

/// Tries `attempt` until it gives `Ok` (returned), for at most `timeout`; the error
/// names `what` and the last failure.
///
/// # Errors
/// When `timeout` passes without a success.
pub async fn eventually<T, E, F, Fut>(
    what: &str,
    timeout: Duration,
    mut attempt: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Display,
{
    let deadline = Instant::now() + timeout;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) if Instant::now() >= deadline => {
                bail!("timed out after {timeout:?} waiting for {what}: {error}")
            }
            Err(_) => tokio::time::sleep(POLL).await,
        }
    }
}

/// [`eventually`] for code outside the async runtime (starting processes, `Drop`).
///
/// # Errors
/// When `timeout` passes without a success.
pub fn eventually_blocking<T, E: Display>(
    what: &str,
    timeout: Duration,
    mut attempt: impl FnMut() -> Result<T, E>,
) -> anyhow::Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        match attempt() {
            Ok(value) => return Ok(value),
            Err(error) if Instant::now() >= deadline => {
                bail!("timed out after {timeout:?} waiting for {what}: {error}")
            }
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

/// `Ok(())` when `condition` holds, else an error saying it does not yet: for
/// conditions that are a plain yes or no.
pub fn holds(condition: bool) -> Result<(), &'static str> {
    if condition {
        Ok(())
    } else {
        Err("not yet")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn it_returns_the_first_success_and_fails_with_the_last_error() {
        let mut tries = 0;
        let value = eventually("the third try", Duration::from_secs(5), || {
            tries += 1;
            std::future::ready(if tries == 3 { Ok(tries) } else { Err("early") })
        })
        .await
        .expect("succeeds");
        assert_eq!(value, 3);
        let failed = eventually("never", Duration::from_millis(60), || {
            std::future::ready(Err::<(), _>("still no"))
        })
        .await
        .expect_err("times out");
        assert!(failed.to_string().contains("never: still no"), "{failed}");
    }
}
