//! A small seeded mutator for the stable replay: the kinds of damage libFuzzer does most
//! (bit flips, interesting values, cuts, insertions, splices, edited length fields and
//! numbers), without nightly. The same seed gives the same inputs on every machine.

/// SplitMix64: tiny, seedable, and the same everywhere.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A seed for one target: the run's seed mixed with the target's name.
pub fn target_seed(seed: u64, name: &str) -> u64 {
    name.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

const INTERESTING_BYTES: [u8; 16] =
    [0, 1, 0x7f, 0x80, 0xff, b'0', b'9', b'-', b'.', b'"', b'{', b'}', b'&', b'=', b'%', b'e'];

const INTERESTING_U32: [u32; 10] = [0, 1, 2, 3, 9, 10, 0x7f, 0xffff, 0x7fff_ffff, 0xffff_ffff];

const INTERESTING_U64: [u64; 8] = [0, 1, 7, 8, 0xffff, 0x7fff_ffff, 0xffff_ffff, u64::MAX];

/// A position for a fixed-size field: often in the first 32 bytes, where headers and length
/// fields are (IDX dimensions, the safetensors header length, bincode's version and tags).
fn field_at(rng: &mut Rng, len: usize, width: usize) -> Option<usize> {
    if len < width {
        return None;
    }
    let span = len - width + 1;
    Some(if rng.below(2) == 0 { rng.below(span.min(32)) } else { rng.below(span) })
}

/// One random edit of `data`; `other` is another corpus input to splice from.
pub fn mutate_once(data: &mut Vec<u8>, other: &[u8], rng: &mut Rng) {
    let len = data.len();
    match rng.below(11) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = rng.pick(&INTERESTING_BYTES);
        }
        2 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below(16.min(len - at));
            data.drain(at..at + n);
        }
        3 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            data.splice(at..at, bytes);
        }
        4 if len > 0 => data.truncate(rng.below(len)),
        5 if len > 0 => {
            let from = rng.below(len);
            let n = 1 + rng.below(64.min(len - from));
            let chunk = data[from..from + n].to_vec();
            let at = rng.below(len + 1);
            data.splice(at..at, chunk);
        }
        6 if !other.is_empty() => {
            let keep = rng.below(len + 1);
            let from = rng.below(other.len());
            data.truncate(keep);
            data.extend_from_slice(&other[from..]);
        }
        7 => {
            if let Some(at) = field_at(rng, len, 4) {
                let old = u32::from_be_bytes(data[at..at + 4].try_into().expect("4 bytes"));
                let v = match rng.below(3) {
                    0 => rng.pick(&INTERESTING_U32),
                    1 => old.wrapping_add(1 + rng.below(4) as u32),
                    _ => old.wrapping_sub(1 + rng.below(4) as u32),
                };
                let bytes = if rng.below(2) == 0 { v.to_be_bytes() } else { v.to_le_bytes() };
                data[at..at + 4].copy_from_slice(&bytes);
            }
        }
        8 => {
            if let Some(at) = field_at(rng, len, 8) {
                let old = u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"));
                let v = match rng.below(3) {
                    0 => rng.pick(&INTERESTING_U64),
                    1 => old.wrapping_add(1 + rng.below(16) as u64),
                    _ => old.wrapping_sub(1 + rng.below(16) as u64),
                };
                data[at..at + 8].copy_from_slice(&v.to_le_bytes());
            }
        }
        9 => {
            // A decimal number in text (JSON headers, URL values) replaced by another.
            let digits: Vec<usize> = (0..len).filter(|&i| data[i].is_ascii_digit()).collect();
            if !digits.is_empty() {
                let start = digits[rng.below(digits.len())];
                let end = (start..len).find(|&i| !data[i].is_ascii_digit()).unwrap_or(len);
                let with: &[u8] =
                    rng.pick(&[b"0".as_slice(), b"-1", b"1e308", b"NaN", b"18446744073709551616", b"0.5", b"784"]);
                data.splice(start..end, with.iter().copied());
            }
        }
        _ => {
            // Many small edits at once: random bytes over a short run.
            if len > 0 {
                let at = rng.below(len);
                for b in data.iter_mut().skip(at).take(1 + rng.below(8)) {
                    *b = rng.next_u64() as u8;
                }
            }
        }
    }
}

/// `input` with 1 to 4 random edits.
pub fn mutate(input: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        mutate_once(&mut data, other, rng);
    }
    data
}
