//! diag - where a core computation's messages go
//!
//! Postfix's modules log as they work (msg_info, msg_warn) and may end the
//! process (msg_fatal, msg_panic). The core reports through [`Diag`] in the
//! same order: [`HostDiag`] hands every message to the host binding (so a
//! fatal error ends the process, as in Postfix), [`Collect`] keeps them for
//! the pfinet_* API, where a fatal error becomes an error value. Either way
//! the core stops at the first fatal error, returning `Err(Fatal)`.

use crate::host;

/// A fatal error (or panic) was reported; the computation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fatal;

/// Where a core computation reports, in Postfix's msg(3) levels.
pub trait Diag {
    /// Postfix's msg_verbose.
    fn verbose(&self) -> i32;
    /// Postfix's msg_info().
    fn info(&mut self, text: &[u8]);
    /// Postfix's msg_warn().
    fn warn(&mut self, text: &[u8]);
    /// Report a fatal error; the caller stops with `Err(Fatal)`.
    fn fatal(&mut self, text: &[u8]) -> Fatal;
    /// Report an internal error (Postfix's msg_panic).
    fn panic(&mut self, text: &[u8]) -> Fatal;
}

/// The host binding: Postfix's msg(3) or stderr; fatal ends the process.
pub struct HostDiag;

impl Diag for HostDiag {
    fn verbose(&self) -> i32 {
        host::verbose()
    }
    fn info(&mut self, text: &[u8]) {
        host::info(text)
    }
    fn warn(&mut self, text: &[u8]) {
        host::warn(text)
    }
    fn fatal(&mut self, text: &[u8]) -> Fatal {
        host::fatal(text)
    }
    fn panic(&mut self, text: &[u8]) -> Fatal {
        host::panic(text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// The level of a collected message.
pub enum Level {
    /// msg_info()
    Info,
    /// msg_warn()
    Warning,
    /// msg_fatal()
    Fatal,
    /// msg_panic()
    Panic,
}

/// Messages kept in order, for callers that want errors as values.
#[derive(Debug, Default)]
pub struct Collect {
    /// The msg_verbose level the computation sees.
    pub verbose: i32,
    /// The messages, in order.
    pub messages: Vec<(Level, Vec<u8>)>,
}

impl Collect {
    /// The fatal (or panic) text, if the computation stopped on one.
    pub fn error(&self) -> Option<&[u8]> {
        self.messages
            .iter()
            .find(|(l, _)| matches!(l, Level::Fatal | Level::Panic))
            .map(|(_, t)| t.as_slice())
    }

    /// The warnings, one per line.
    pub fn warnings(&self) -> Vec<u8> {
        let w: Vec<&[u8]> = self
            .messages
            .iter()
            .filter(|(l, _)| *l == Level::Warning)
            .map(|(_, t)| t.as_slice())
            .collect();
        w.join(&b'\n')
    }
}

impl Diag for Collect {
    fn verbose(&self) -> i32 {
        self.verbose
    }
    fn info(&mut self, text: &[u8]) {
        self.messages.push((Level::Info, text.to_vec()))
    }
    fn warn(&mut self, text: &[u8]) {
        self.messages.push((Level::Warning, text.to_vec()))
    }
    fn fatal(&mut self, text: &[u8]) -> Fatal {
        self.messages.push((Level::Fatal, text.to_vec()));
        Fatal
    }
    fn panic(&mut self, text: &[u8]) -> Fatal {
        self.messages.push((Level::Panic, text.to_vec()));
        Fatal
    }
}
