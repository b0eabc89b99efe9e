//! EventSub WebSocket frames: whatever the server (or anything between) sends as a text frame.
//!
//! Input: the frame's bytes (text frames are UTF-8; other bytes are read lossily). Beyond not
//! panicking: an unreadable frame is a decode error that prints and quotes a short excerpt.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twitch_sdk::__fuzz;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match __fuzz::eventsub_frame(&text) {
        Ok(kind) => assert!(!kind.is_empty()),
        Err(error) => {
            let shown = error.to_string();
            assert!(!shown.is_empty());
            // The excerpt is capped, so a huge frame never becomes a huge error.
            assert!(shown.len() < 2_000, "error of {} bytes", shown.len());
        }
    }
});
