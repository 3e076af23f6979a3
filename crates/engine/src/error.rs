//! The engine's one error type. Every distinct failure a user can cause has its own variant
//! with a message that says what was wrong and, where it helps, what to do about it.

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not gzip and not a raw IDX file either.
    #[error("{what}: not an IDX file (gzip or raw): {detail}")]
    NotIdx { what: String, detail: String },

    /// The data decompresses (or reads) to more bytes than such a file can hold: refused after
    /// reading at most `limit + 1` bytes, so a decompression bomb never reaches memory.
    #[error("{what}: more data than {expected}; refused (a damaged file or a decompression bomb)")]
    TooLarge { what: String, limit: usize, expected: String },

    /// The gzip stream is damaged or cut short.
    #[error("{what}: the gzip data is corrupt or truncated: {detail}")]
    CorruptGzip { what: String, detail: String },

    /// The IDX magic number is not the one expected for this kind of file.
    #[error("{what}: wrong IDX magic number {found:#010x}, expected {expected:#010x} ({kind})")]
    WrongMagic { what: String, found: u32, expected: u32, kind: &'static str },

    /// The IDX header announces more data than the file holds.
    #[error("{what}: truncated: the header announces {expected} bytes of data but only {found} are present")]
    Truncated { what: String, expected: usize, found: usize },

    /// The IDX file has bytes after the announced data.
    #[error("{what}: {extra} unexpected bytes after the announced data")]
    TrailingBytes { what: String, extra: usize },

    /// A dimension in the header is zero or out of range.
    #[error("{what}: bad dimensions {dims:?}: {detail}")]
    BadDimensions { what: String, dims: Vec<usize>, detail: String },

    /// A label is outside 0..=9.
    #[error("{what}: label {label} at index {index} is outside 0..=9")]
    LabelOutOfRange { what: String, index: usize, label: u8 },

    /// Image and label files disagree on the number of items.
    #[error("{images} images but {labels} labels: the image and label files do not belong together")]
    CountMismatch { images: usize, labels: usize },

    /// Decompressed data does not match the pinned SHA-256.
    #[error(
        "{file}: SHA-256 mismatch: expected {expected}, got {found}; the file is corrupt or not the official dataset"
    )]
    ChecksumMismatch { file: String, expected: String, found: String },

    /// A data file could not be found anywhere it was looked for.
    #[error("data not available: {0}")]
    DataUnavailable(String),

    /// An input tensor or a parameter has the wrong shape.
    #[error("shape mismatch for {what}: expected {expected:?}, found {found:?}")]
    ShapeMismatch { what: String, expected: Vec<usize>, found: Vec<usize> },

    /// A configuration value is out of its valid range.
    #[error("invalid setting {name} = {value}: {reason}")]
    InvalidConfig { name: &'static str, value: String, reason: String },

    /// Training produced a NaN or infinite loss.
    #[error("training diverged at epoch {epoch}, step {step}: the loss became {loss}; try a smaller learning rate or less training noise")]
    Diverged { epoch: usize, step: usize, loss: f32 },

    /// Training ran away without a NaN: the loss passed an absolute bound or grew far above
    /// where it started (see [`crate::train::divergence`]).
    #[error(
        "training diverged at epoch {epoch}, step {step}: {why}; try a smaller learning rate or less training noise"
    )]
    LossRunaway { epoch: usize, step: usize, loss: f32, why: String },

    /// The loss did not reach a parameter: the computation graph is broken.
    #[error("parameter {name} received no gradient: an operation in the forward pass has no backward pass")]
    NoGradient { name: String },

    /// The caller asked the run to stop.
    #[error("cancelled by the user")]
    Cancelled,

    /// A model file is malformed or describes something this build cannot load.
    #[error("model file: {0}")]
    ModelFormat(String),

    /// A parameter holds NaN or infinity.
    #[error("parameter {name} contains {count} non-finite values (NaN or infinity)")]
    NonFinite { name: String, count: usize },

    /// Filesystem or network I/O at the edges (CLI only). The I/O error is part of the message
    /// and deliberately not exposed as a `source`, or error chains would print it twice.
    #[error("{context}: {error}")]
    Io { context: String, error: std::io::Error },

    /// An error raised inside candle.
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
}

/// The engine's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Shorthand for an [`Error::InvalidConfig`].
    pub fn invalid(name: &'static str, value: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        Error::InvalidConfig { name, value: value.to_string(), reason: reason.into() }
    }
}
