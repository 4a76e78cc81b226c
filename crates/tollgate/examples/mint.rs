//! Mints one API token for operators seeding a database.
//!
//! ```text
//! cargo run --example mint -- --prefix tg
//! token: tg_...
//! sha256: 3f5a...
//! ```
//!
//! The first line is the secret, to hand to its owner once; the second is what to store.
//! Bad arguments print a usage message on stderr and exit with status 2.

use std::process::ExitCode;

use tollgate::token::TokenFormat;

const USAGE: &str = "usage: mint --prefix PREFIX\n\
    \n\
    Prints a new API token and the SHA-256 to store for it.\n\
    PREFIX: 1 to 16 lowercase ASCII letters or digits, starting with a letter (e.g. tg).";

fn main() -> ExitCode {
    let format = match format_from_args(std::env::args().skip(1)) {
        Ok(format) => format,
        Err(problem) => {
            eprintln!("mint: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match format.mint() {
        Ok(minted) => {
            println!("token: {}", minted.secret.expose_secret());
            println!("sha256: {}", minted.hash);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mint: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The token format named by `--prefix PREFIX` (or `--prefix=PREFIX`), and nothing else.
fn format_from_args(mut args: impl Iterator<Item = String>) -> Result<TokenFormat, String> {
    let prefix = match args.next().as_deref() {
        Some("--prefix") => args.next().ok_or("--prefix needs a value")?,
        Some(arg) => match arg.strip_prefix("--prefix=") {
            Some(value) => value.to_owned(),
            None => return Err(format!("unexpected argument {arg:?}")),
        },
        None => return Err("--prefix is required".to_owned()),
    };
    if let Some(extra) = args.next() {
        return Err(format!("unexpected argument {extra:?}"));
    }
    TokenFormat::new(&prefix).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::format_from_args;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|&a| a.to_owned())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn accepts_both_spellings_of_the_prefix() {
        assert_eq!(
            format_from_args(args(&["--prefix", "tg"]))
                .unwrap()
                .prefix(),
            "tg"
        );
        assert_eq!(
            format_from_args(args(&["--prefix=tgs"])).unwrap().prefix(),
            "tgs"
        );
    }

    #[test]
    fn refuses_bad_arguments() {
        assert_eq!(
            format_from_args(args(&[])).unwrap_err(),
            "--prefix is required"
        );
        assert_eq!(
            format_from_args(args(&["--prefix"])).unwrap_err(),
            "--prefix needs a value"
        );
        assert!(
            format_from_args(args(&["--prefix", "tg", "x"]))
                .unwrap_err()
                .contains("\"x\"")
        );
        assert!(
            format_from_args(args(&["--name", "tg"]))
                .unwrap_err()
                .contains("--name")
        );
        assert!(
            format_from_args(args(&["--prefix", "TG"]))
                .unwrap_err()
                .contains("lowercase")
        );
    }
}
