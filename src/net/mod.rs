//! The one HTTP stack of the network adapters (the GitHub API client and `push`): hyper with
//! hyper-rustls (ring) on a current-thread tokio runtime, and one retry policy. Compiled with
//! either cargo feature `github-api` or `push`; the core never depends on it.

pub mod http;
