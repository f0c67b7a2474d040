//! The board as the window receives it: each new board goes out as a patch against the
//! last one sent (only new and changed tickets travel), numbered so the window can tell
//! when it missed one and ask for the whole board (`board_now`).

use std::sync::{Arc, Mutex};

use rail_engine::{Board, BoardPatch};
use tauri::{AppHandle, Emitter, Manager};

/// The last board sent to the window and its number.
#[derive(Default)]
pub struct BoardFeed {
    sent: Mutex<Sent>,
}

#[derive(Default)]
struct Sent {
    seq: u64,
    board: Arc<Board>,
}

impl BoardFeed {
    fn sent(&self) -> std::sync::MutexGuard<'_, Sent> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The patch from the last board sent to `board`, which becomes the last sent.
    pub fn next(&self, board: Arc<Board>) -> BoardPatch {
        let mut sent = self.sent();
        let patch = BoardPatch::between(sent.seq, &sent.board, sent.seq + 1, &board);
        sent.seq += 1;
        sent.board = board;
        patch
    }

    /// The last board sent, whole.
    pub fn whole(&self) -> BoardPatch {
        let sent = self.sent();
        BoardPatch::whole(sent.seq, &sent.board)
    }
}

/// Sends every new board of `boards` to the window as a patch, in order.
pub fn forward(
    app: AppHandle,
    mut boards: tokio::sync::watch::Receiver<Arc<Board>>,
    event: &'static str,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            let board = boards.borrow_and_update().clone();
            let patch = app.state::<BoardFeed>().next(board);
            if let Err(error) = app.emit(event, patch) {
                tracing::warn!(%error, event, "could not send the board to the window");
            }
            if boards.changed().await.is_err() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_patch_follows_the_last_and_the_whole_board_is_the_last_sent() {
        let feed = BoardFeed::default();
        let first = feed.next(Arc::new(Board {
            channels: vec!["kds:grill".into()],
            ..Board::default()
        }));
        assert_eq!((first.base, first.seq), (0, 1));
        let second = feed.next(Arc::new(Board::default()));
        assert_eq!((second.base, second.seq), (1, 2));
        let whole = feed.whole();
        assert_eq!((whole.base, whole.seq), (0, 2));
        assert!(whole.channels.is_empty());
    }
}
