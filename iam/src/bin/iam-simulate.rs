//! `iam-simulate [--directory FILE]`: the policy simulator on stdin/stdout
//! (the same as `switchyard simulate`).

use std::io::{BufReader, stdin, stdout};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let input = BufReader::new(stdin().lock());
    let output = stdout().lock();
    let result = match args.as_slice() {
        [] => iam::simulate::run(input, output),
        [flag, file] if flag == "--directory" => {
            match iam::Directory::load(std::path::Path::new(file)) {
                Ok(dir) => iam::simulate::run_with_directory(&dir, input, output),
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => {
            eprintln!("usage: iam-simulate [--directory FILE] < requests.jsonl");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iam-simulate: {e}");
            ExitCode::FAILURE
        }
    }
}
