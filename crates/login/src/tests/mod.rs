//! Unit tests of the login domain, on the memory adapters with a fixed clock.
