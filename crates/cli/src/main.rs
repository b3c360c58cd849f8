//! `neurotext`: train, evaluate and use the lecture's text classifiers and taggers.
//!
//! ```text
//! neurotext train --train FILE [--valid FILE] [--format tsv|csv|fasttext|conll] [--header] …
//! neurotext eval    --model MODEL --data FILE [format flags] [--json]
//! neurotext predict --model MODEL [FILE | -]
//! neurotext export  --model MODEL --safetensors FILE
//! ```
//!
//! Exit status: 0 on success, 2 for a usage error (a flag that makes no sense), 1 for a
//! failure (a file that cannot be read, a malformed line, a corrupt model). Messages name the
//! file and line, or the flag.
//!
//! Why these dependencies (used here only, not by the libraries): **clap** parses the command
//! line and writes its help, **indicatif** draws the progress bar, **plotters** draws the SVG
//! curves of `--plot`, **serde_json** writes `eval --json`, and **anyhow** carries errors with
//! their context up to `main`.

mod args;
mod classifier;
mod config;
mod conlleval;
mod data;
mod eval_cmd;
mod explain;
mod export_cmd;
mod features;
mod infer;
mod model_file;
mod offline;
mod plot;
mod predict_cmd;
mod progress;
mod tagger;
mod train_cmd;
mod usage;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use crate::args::{Cli, Command};
use crate::usage::UsageError;

fn set_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        Some(0) => Err(UsageError::new("--threads must be at least 1").into()),
        Some(n) => Ok(neurotext_linalg::set_threads(n)?),
        None => match neurotext_linalg::threads_from_env() {
            Ok(_) => Ok(()),
            Err(e) => Err(UsageError::new(e.to_string()).into()),
        },
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => {
            train_cmd::check_args(&args)?;
            set_threads(args.threads)?;
            let report = match &args.train {
                Some(path) => {
                    let outcome = train_cmd::run(&args, path)?;
                    train_cmd::report(&outcome, args.out.as_ref())
                }
                None => offline::run(&args)?,
            };
            println!("{report}");
        }
        Command::Eval(args) => {
            set_threads(args.threads)?;
            println!("{}", eval_cmd::run(&args)?);
        }
        Command::Predict(args) => {
            set_threads(args.threads)?;
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            predict_cmd::run(&args, &mut lock)?;
        }
        Command::Export(args) => println!("{}", export_cmd::run(&args)?),
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if predict_cmd::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
