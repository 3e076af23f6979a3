//! Tests (see the submodules).
