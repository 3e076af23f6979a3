//! The stable key of every experiment recipe. Tables, saved model files and the report's
//! figures are joined by this key, never by a label or a position, so renaming a label or
//! reordering a table cannot silently drop or mismatch a row. The strings are the model file
//! names `mpg reproduce` has always used (`results/models/<key>.safetensors`), so models
//! trained before the key became a type are still found.

use serde::{Deserialize, Serialize};

/// One recipe of the report's experiments (Part 1 and Part 2, with the project's ablations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RecipeKey {
    #[serde(rename = "mlp-b32")]
    MlpB32,
    #[serde(rename = "mlp-b64")]
    MlpB64,
    #[serde(rename = "mlp-b128")]
    MlpB128,
    #[serde(rename = "mlp-b256")]
    MlpB256,
    #[serde(rename = "cnn-b32")]
    CnnB32,
    #[serde(rename = "cnn-b64")]
    CnnB64,
    #[serde(rename = "cnn-b128")]
    CnnB128,
    #[serde(rename = "cnn-b256")]
    CnnB256,
    #[serde(rename = "mlp-noise0.5")]
    MlpNoise05,
    #[serde(rename = "mlp-noise1.0")]
    MlpNoise10,
    #[serde(rename = "mlp-ts-mse")]
    MlpTsMse,
    #[serde(rename = "mlp-ts-kl")]
    MlpTsKl,
    #[serde(rename = "mlp-dropout0.5")]
    MlpDropout05,
    /// Part 2's fault-aware MLP as the project trains it (biases held at zero).
    #[serde(rename = "mlp-faultaware")]
    MlpFaultAware,
    /// Ablation: the baseline with its biases held at zero.
    #[serde(rename = "mlp-b64-bias0")]
    MlpB64Bias0,
    /// Ablation: fault-aware training with trained biases (the report's recipe read literally).
    #[serde(rename = "mlp-faultaware-biased")]
    MlpFaultAwareBiased,
    /// Ablation: the project's fault-aware recipe at learning rate 1e-4.
    #[serde(rename = "mlp-faultaware-lr1e-4")]
    MlpFaultAwareLr1e4,
}

impl RecipeKey {
    /// Every key, in the order the tables list them.
    pub const ALL: [RecipeKey; 17] = [
        RecipeKey::MlpB32,
        RecipeKey::MlpB64,
        RecipeKey::MlpB128,
        RecipeKey::MlpB256,
        RecipeKey::CnnB32,
        RecipeKey::CnnB64,
        RecipeKey::CnnB128,
        RecipeKey::CnnB256,
        RecipeKey::MlpNoise05,
        RecipeKey::MlpNoise10,
        RecipeKey::MlpTsMse,
        RecipeKey::MlpTsKl,
        RecipeKey::MlpDropout05,
        RecipeKey::MlpFaultAware,
        RecipeKey::MlpB64Bias0,
        RecipeKey::MlpFaultAwareBiased,
        RecipeKey::MlpFaultAwareLr1e4,
    ];

    /// The stable string, e.g. `mlp-b64`: the model's file stem and its JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            RecipeKey::MlpB32 => "mlp-b32",
            RecipeKey::MlpB64 => "mlp-b64",
            RecipeKey::MlpB128 => "mlp-b128",
            RecipeKey::MlpB256 => "mlp-b256",
            RecipeKey::CnnB32 => "cnn-b32",
            RecipeKey::CnnB64 => "cnn-b64",
            RecipeKey::CnnB128 => "cnn-b128",
            RecipeKey::CnnB256 => "cnn-b256",
            RecipeKey::MlpNoise05 => "mlp-noise0.5",
            RecipeKey::MlpNoise10 => "mlp-noise1.0",
            RecipeKey::MlpTsMse => "mlp-ts-mse",
            RecipeKey::MlpTsKl => "mlp-ts-kl",
            RecipeKey::MlpDropout05 => "mlp-dropout0.5",
            RecipeKey::MlpFaultAware => "mlp-faultaware",
            RecipeKey::MlpB64Bias0 => "mlp-b64-bias0",
            RecipeKey::MlpFaultAwareBiased => "mlp-faultaware-biased",
            RecipeKey::MlpFaultAwareLr1e4 => "mlp-faultaware-lr1e-4",
        }
    }

    /// The key with this string, if any.
    pub fn parse(s: &str) -> Option<RecipeKey> {
        RecipeKey::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the recipe trains the (slow) CNN.
    pub fn is_cnn(self) -> bool {
        matches!(self, RecipeKey::CnnB32 | RecipeKey::CnnB64 | RecipeKey::CnnB128 | RecipeKey::CnnB256)
    }
}

impl std::fmt::Display for RecipeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// Comparisons with plain strings, so code that still holds keys as strings (the app's queue,
// saved JSON) compares without converting.
impl PartialEq<&str> for RecipeKey {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<RecipeKey> for &str {
    fn eq(&self, other: &RecipeKey) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_round_trips_through_its_string_and_json() {
        for k in RecipeKey::ALL {
            assert_eq!(RecipeKey::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
            assert_eq!(serde_json::from_str::<RecipeKey>(&format!("\"{k}\"")).unwrap(), k);
        }
        let mut strings: Vec<_> = RecipeKey::ALL.iter().map(|k| k.as_str()).collect();
        strings.sort_unstable();
        strings.dedup();
        assert_eq!(strings.len(), RecipeKey::ALL.len(), "keys are distinct");
        assert_eq!(RecipeKey::parse("mlp-b65"), None);
    }
}
