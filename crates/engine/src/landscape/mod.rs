//! Loss landscapes around a trained model: 1-D slices and 2-D grids along filter-normalised
//! random directions, and the noise landscape (loss and accuracy vs log-normal noise std).

pub mod directions;
pub mod surface;

pub use directions::{filter_normalised_direction, filter_norms};
pub use surface::{
    grid_2d, noise_landscape, points_at, slice_1d, stratified_subset, Grid2d, LandscapeConfig, LandscapePoint,
    NoiseLandscapePoint, Slice1d,
};
