//! Helpers shared by the fuzz targets.

/// The access key the token targets sign and verify with (the emulator's rule: 32 bytes or more).
pub const KEY: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

/// Splits fuzz input into at most `N` fields at newlines; missing fields are empty. Seeds are
/// then plain text files with one field per line.
pub fn fields<const N: usize>(text: &str) -> [&str; N] {
    let mut out = [""; N];
    let mut rest = Some(text);
    for (i, slot) in out.iter_mut().enumerate() {
        let Some(r) = rest else { break };
        if i + 1 == N {
            *slot = r;
            break;
        }
        match r.split_once('\n') {
            Some((head, tail)) => {
                *slot = head;
                rest = Some(tail);
            }
            None => {
                *slot = r;
                rest = None;
            }
        }
    }
    out
}
