//! Workspace-only crate with two jobs:
//! - depending on `miniapp` with the `codegen` feature, so that every workspace build
//!   regenerates `generated/` from `schema/` (registry users never build the generator);
//! - compiling the generator's fixture platform (every construct of the schema
//!   language), so that generator output which does not build fails the test suite.

/// The fixture platform, generated from `generator/tests/fixtures/good` at build time.
pub mod fixture {
    use miniapp::runtime::{CallOptions, Endpoint, Error, Execute, FromErrcode};

    /// A client for the fixture platform: the WeChat client's runtime (same envelope).
    pub struct Client {
        pub inner: miniapp::wechat::Client,
    }

    impl<E> Execute<E> for Client
    where
        E: Endpoint,
        E::Error: FromErrcode,
    {
        fn execute(
            &self,
            request: E,
            options: CallOptions,
        ) -> impl std::future::Future<Output = Result<E::Response, Error<E::Error>>> + Send
        {
            self.inner.execute(request, options)
        }
    }

    include!(concat!(env!("OUT_DIR"), "/fixture_decl.rs"));
}
