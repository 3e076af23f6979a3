//! A small synthetic MNIST-format dataset, the same bit for bit everywhere: each class is a
//! blob at its own place plus pseudo-random speckle from a fixed LCG.

use engine::data::idx::{IMAGES_MAGIC, LABELS_MAGIC};

pub fn images_labels(n: usize, seed: u32) -> (Vec<u8>, Vec<u8>) {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut next = || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 24) as u8
    };
    let mut images = Vec::new();
    images.extend(IMAGES_MAGIC.to_be_bytes());
    for d in [n as u32, 28, 28] {
        images.extend(d.to_be_bytes());
    }
    let mut labels = Vec::new();
    labels.extend(LABELS_MAGIC.to_be_bytes());
    labels.extend((n as u32).to_be_bytes());
    for i in 0..n {
        let class = (i % 10) as u8;
        labels.push(class);
        let (cr, cc) = (6 + (class as usize / 5) * 14, 3 + (class as usize % 5) * 5);
        for r in 0..28usize {
            for c in 0..28usize {
                let blob = r.abs_diff(cr) < 5 && c.abs_diff(cc) < 3;
                let speckle = next() / 4;
                images.push(if blob { 200u8.saturating_add(speckle / 4) } else { speckle });
            }
        }
    }
    (images, labels)
}
