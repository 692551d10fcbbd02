//! The `gatehouse` command: `serve`, `migrate`, `migrate-data` and the admin tools `rules check|test|eval`.

use clap::{Parser, Subcommand};
use gatehouse::app::{open_database, Application};
use gatehouse::cli::users::UserCommand;
use gatehouse::config::{DatabaseConfig, ServeConfig};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Comment moderation for news sites"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve(ServeConfig),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseConfig),
    /// Copy every row of one database into another, empty one (e.g. SQLite to PostgreSQL).
    MigrateData(gatehouse::cli::transfer::MigrateDataArgs),
    /// Manage moderator and admin accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Admin tools for the rules file: check, test, eval (no server or database needed).
    Rules {
        #[command(subcommand)]
        command: gatehouse::cli::RulesCommand,
    },
}

#[actix_web::main]
async fn main() -> ExitCode {
    let command = Cli::parse().command;
    // The rules tools print their own report and choose their exit status; the rest log.
    if !matches!(command, Command::Rules { .. }) {
        gatehouse::telemetry::init();
    }
    let result = match command {
        Command::Rules { command } => return gatehouse::cli::rules::run(command),
        Command::Serve(config) => serve(config).await,
        Command::Migrate(config) => open_database(&config)
            .map(|_| println!("database is up to date"))
            .map_err(|e| e.to_string()),
        Command::MigrateData(args) => gatehouse::cli::transfer::run(args),
        Command::User(command) => gatehouse::cli::users::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gatehouse: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: ServeConfig) -> Result<(), String> {
    let app = Application::build(&config).map_err(|e| e.to_string())?;
    app.run_until_stopped().await.map_err(|e| e.to_string())
}
