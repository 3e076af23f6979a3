//! The report's own numbers (test accuracy in percent on the 10,000 MNIST test images), kept
//! beside the code that reproduces them so every table can print "ours" next to "theirs".
//! Source: `shared/reference/seed-report.md`.

/// Which network a table row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Net {
    Mlp,
    Cnn,
}

/// Part 1: clean and noisy (std 1.0, mean of 5 draws) accuracy by training batch size.
pub const BATCH_TABLE: [(Net, usize, f64, f64); 8] = [
    (Net::Mlp, 32, 97.81, 75.48),
    (Net::Mlp, 64, 97.98, 72.53),
    (Net::Mlp, 128, 97.95, 64.89),
    (Net::Mlp, 256, 97.48, 63.92),
    (Net::Cnn, 32, 98.94, 52.84),
    (Net::Cnn, 64, 98.51, 47.35),
    (Net::Cnn, 128, 98.59, 41.52),
    (Net::Cnn, 256, 98.25, 40.55),
];

/// Part 1 hardening (MLP, batch 64): clean, std 1.0, std 1.5.
pub const HARDENING_TABLE: [(&str, f64, f64, f64); 7] = [
    ("Baseline", 97.98, 72.53, 30.73),
    ("Noise-injection training, std 0.5", 98.00, 84.38, 44.17),
    ("Noise-injection training, std 1.0", 90.21, 85.88, 54.18),
    ("Teacher-student, MSE, std 1.0", 93.61, 86.43, 41.46),
    ("Teacher-student, KL divergence, std 1.0", 92.00, 85.12, 45.60),
    ("Dropout p=0.5", 97.32, 90.13, 49.80),
    ("Fault-aware training (Part 2)", 97.32, 88.32, 69.64),
];
