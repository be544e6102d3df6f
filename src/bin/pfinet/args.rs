//! Command-line options: `--name VALUE`, `--name=VALUE` and flags, then
//! operands; `--help` prints the command's usage.

use std::process::ExitCode;

/// The parsed arguments of one command.
#[derive(Debug, Default)]
pub struct Args {
    /// (name, value) pairs, in order; flags have an empty value.
    pub options: Vec<(String, Vec<u8>)>,
    /// Everything that is not an option.
    pub operands: Vec<Vec<u8>>,
}

impl Args {
    /// The last value given for option `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Whether flag `name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Parses `argv` for a command that takes the options in `valued` (with a
/// value) and `flags`; `Err` is the exit status after printing the usage
/// (`--help`) or an error.
pub fn parse(
    argv: &[Vec<u8>],
    valued: &[&str],
    flags: &[&str],
    usage: &str,
) -> Result<Args, ExitCode> {
    let mut a = Args::default();
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let s = String::from_utf8_lossy(arg);
        if s == "--help" {
            println!("{usage}");
            return Err(ExitCode::SUCCESS);
        }
        if s == "--" {
            a.operands.extend(it.cloned());
            break;
        }
        if !s.starts_with('-') || s.len() == 1 {
            a.operands.push(arg.clone());
            continue;
        }
        let (name, inline) = match s.split_once('=') {
            Some((n, _)) => (n.to_string(), Some(arg[n.len() + 1..].to_vec())),
            None => (s.to_string(), None),
        };
        if flags.contains(&name.as_str()) && inline.is_none() {
            a.options.push((name, Vec::new()));
        } else if valued.contains(&name.as_str()) {
            let Some(value) = inline.or_else(|| it.next().cloned()) else {
                return Err(super::fatal(
                    format!("option {name} needs a value").as_bytes(),
                ));
            };
            a.options.push((name, value));
        } else {
            return Err(super::fatal(
                format!("unknown option {name} (see --help)").as_bytes(),
            ));
        }
    }
    Ok(a)
}
