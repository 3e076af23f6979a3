//! The IDX file format (LeCun's MNIST format), gzip-compressed or raw, read from any `Read` so
//! the browser can hand over bytes it fetched or the user dropped.
//!
//! Layout: a big-endian u32 magic (0x00000803 = unsigned bytes, 3 dimensions, for images;
//! 0x00000801 for labels), one big-endian u32 per dimension, then the data.

use std::io::Read;

use crate::error::{Error, Result};

/// Magic number of an image file: unsigned bytes, 3 dimensions (count, rows, cols).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of a label file: unsigned bytes, 1 dimension (count).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// Images as stored: `count` images of `rows * cols` bytes, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    /// `count * rows * cols` pixel bytes, 0 = background.
    pub pixels: Vec<u8>,
}

/// The most bytes an IDX file of unknown origin may hold once decompressed: 256 MiB, over five
/// times the largest MNIST file (47 MB, 60,000 images) and room for 340,000 28x28 images.
/// Known dataset files get their exact size instead ([`crate::data::DataFile::size`]).
pub const MAX_IDX_BYTES: usize = 256 << 20;

/// Reads all of `reader` (at most [`MAX_IDX_BYTES`] of data), gunzipping when the data starts
/// with the gzip signature. `what` names the source in error messages (a file name, usually).
pub fn read_maybe_gzip(reader: impl Read, what: &str) -> Result<Vec<u8>> {
    read_maybe_gzip_limited(reader, what, MAX_IDX_BYTES, "the 256 MiB allowed for an IDX file")
}

/// Reads `reader`, gunzipping when it starts with the gzip signature (every member of a
/// multi-member gzip), and refuses data longer than `limit` bytes after reading at most
/// `limit + 1` of them: a decompression bomb costs `limit` bytes of memory, not its full size.
/// `expected` says in the message where the limit comes from.
pub fn read_maybe_gzip_limited(reader: impl Read, what: &str, limit: usize, expected: &str) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| Error::Io { context: format!("reading {what}"), error: e };
    let mut reader = std::io::BufReader::new(reader);
    // The first two bytes decide: gzip signature or not. Read them without consuming more.
    let mut head = Vec::with_capacity(2);
    (&mut reader).take(2).read_to_end(&mut head).map_err(io)?;
    let stream = std::io::Cursor::new(head.clone()).chain(reader);
    let take = (limit as u64).saturating_add(1);
    // An exact size known in advance (a dataset file) is reserved once; a generous cap is not.
    let mut out = if limit < MAX_IDX_BYTES { Vec::with_capacity(limit + 1) } else { Vec::new() };
    if head == [0x1f, 0x8b] {
        flate2::read::MultiGzDecoder::new(stream)
            .take(take)
            .read_to_end(&mut out)
            .map_err(|e| Error::CorruptGzip { what: what.into(), detail: e.to_string() })?;
    } else {
        stream.take(take).read_to_end(&mut out).map_err(io)?;
    }
    if out.len() > limit {
        return Err(Error::TooLarge { what: what.into(), limit, expected: expected.into() });
    }
    Ok(out)
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Checks the magic and returns the dimensions and the data that follows the header.
fn parse<'a>(bytes: &'a [u8], what: &str, magic: u32, kind: &'static str) -> Result<(Vec<usize>, &'a [u8])> {
    if bytes.len() < 4 {
        return Err(Error::NotIdx { what: what.into(), detail: format!("only {} bytes", bytes.len()) });
    }
    // An IDX file always starts with two zero bytes; anything else is not IDX at all.
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(Error::NotIdx {
            what: what.into(),
            detail: format!(
                "starts with {:02x} {:02x}, neither the gzip signature nor an IDX magic",
                bytes[0], bytes[1]
            ),
        });
    }
    let found = be_u32(bytes, 0);
    if found != magic {
        return Err(Error::WrongMagic { what: what.into(), found, expected: magic, kind });
    }
    let ndim = (magic & 0xff) as usize;
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(Error::Truncated { what: what.into(), expected: header, found: bytes.len() });
    }
    let dims: Vec<usize> = (0..ndim).map(|i| be_u32(bytes, 4 + 4 * i) as usize).collect();
    let len = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or_else(|| Error::BadDimensions {
        what: what.into(),
        dims: dims.clone(),
        detail: "their product overflows".into(),
    })?;
    let data = &bytes[header..];
    if data.len() < len {
        return Err(Error::Truncated { what: what.into(), expected: len, found: data.len() });
    }
    if data.len() > len {
        return Err(Error::TrailingBytes { what: what.into(), extra: data.len() - len });
    }
    Ok((dims, data))
}

/// Parses an image file (gzip or raw).
pub fn read_images(reader: impl Read, what: &str) -> Result<IdxImages> {
    let bytes = read_maybe_gzip(reader, what)?;
    let (dims, data) = parse(&bytes, what, IMAGES_MAGIC, "images: unsigned bytes, 3 dimensions")?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    if count == 0 || rows == 0 || cols == 0 {
        return Err(Error::BadDimensions { what: what.into(), dims, detail: "no dimension may be zero".into() });
    }
    Ok(IdxImages { count, rows, cols, pixels: data.to_vec() })
}

/// Parses a label file (gzip or raw) and checks every label is a digit class 0..=9.
pub fn read_labels(reader: impl Read, what: &str) -> Result<Vec<u8>> {
    let bytes = read_maybe_gzip(reader, what)?;
    let (dims, data) = parse(&bytes, what, LABELS_MAGIC, "labels: unsigned bytes, 1 dimension")?;
    if dims[0] == 0 {
        return Err(Error::BadDimensions { what: what.into(), dims, detail: "no labels".into() });
    }
    if let Some((index, &label)) = data.iter().enumerate().find(|(_, &l)| l > 9) {
        return Err(Error::LabelOutOfRange { what: what.into(), index, label });
    }
    Ok(data.to_vec())
}

/// Encodes images as raw IDX bytes (used by tests and to write subsets).
pub fn encode_images(images: &IdxImages) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + images.pixels.len());
    for v in [IMAGES_MAGIC, images.count as u32, images.rows as u32, images.cols as u32] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&images.pixels);
    out
}

/// Encodes labels as raw IDX bytes.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    out.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}
