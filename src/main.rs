use clap::Parser;
use strumpavtal::cli::{self, Cli};

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match cli::settings(&cli) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("strumpavtal: configuration: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    strumpavtal::telemetry::init(&settings.log);
    match cli::run(cli, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("strumpavtal: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
