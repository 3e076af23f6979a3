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

/// Part 2 (MemTorch crossbars, faults LRS 0.1 / HRS 0.1): model key (see
/// `noise_tables`), the report's label, and PyTorch / crossbar / crossbar + faults accuracy.
pub const CROSSBAR_TABLE: [(&str, &str, f64, f64, f64); 10] = [
    ("mlp-b32", "MLP, batch 32", 97.81, 88.49, 14.58),
    ("mlp-b64", "MLP, batch 64", 97.98, 90.54, 15.58),
    ("mlp-b128", "MLP, batch 128", 97.95, 91.04, 18.09),
    ("mlp-b256", "MLP, batch 256", 97.48, 91.44, 15.76),
    ("mlp-noise1.0", "MLP, noise-trained std 1.0, batch 64", 90.21, 72.17, 18.66),
    ("mlp-noise0.5", "MLP, noise-trained std 0.5, batch 64", 98.00, 91.06, 16.73),
    ("cnn-b32", "CNN, batch 32", 98.94, 90.64, 10.65),
    ("cnn-b64", "CNN, batch 64", 98.51, 89.48, 11.42),
    ("cnn-b128", "CNN, batch 128", 98.59, 88.98, 10.90),
    ("cnn-b256", "CNN, batch 256", 98.25, 87.39, 11.03),
];

/// Part 2 fault-aware training (MLP, batch 64): crossbar + faults (0.1 / 0.1) accuracy.
pub const FAULT_AWARE_TABLE: [(&str, f64); 2] = [("Baseline", 15.58), ("Fault-aware training", 51.49)];
