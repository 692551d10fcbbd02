//! The `gatehouse` command: `serve`, `migrate`, `migrate-data`, `user …` (accounts) and the admin
//! tools `rules check|test|eval` (on files) and `rules backtest` (on a database's comments).

use clap::{Parser, Subcommand};
use gatehouse::app::Application;
use gatehouse::cli::users::UserCommand;
use gatehouse::config::{DatabaseArgs, ServeConfig};
use gatehouse::storage::{self, DatabaseUrl, OpenMode};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Comment moderation for news sites",
    after_help = "Examples:
  gatehouse serve                          # ./gatehouse.db, ./moderation_rules.toml, port 8080
  gatehouse user add jane --role moderator
  gatehouse rules check
  gatehouse <COMMAND> --help               # each command's options and examples"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (creates and migrates the database first).
    #[command(after_help = "Examples:
  gatehouse serve
  gatehouse serve --bind 0.0.0.0:8080 --rules /etc/gatehouse/moderation_rules.toml \\
    --database-url sqlite:///var/lib/gatehouse/gatehouse.db --trusted-proxy 10.0.0.0/8")]
    Serve(ServeConfig),
    /// Create the database if needed, apply pending migrations, and exit.
    #[command(after_help = "Example:
  gatehouse migrate --database-url postgres://gatehouse@db.internal/gatehouse")]
    Migrate(DatabaseArgs),
    /// Copy every row of one database into another, empty one (e.g. SQLite to PostgreSQL).
    MigrateData(gatehouse::cli::transfer::MigrateDataArgs),
    /// Manage moderator and admin accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Write a consistent copy of the SQLite database to a new file, safe while serving.
    Backup(gatehouse::cli::backup::BackupArgs),
    /// Train the learned rule from a file of labelled comments, reset it, retrain it from
    /// moderators' decisions, or show it.
    Learn(gatehouse::cli::learn::LearnArgs),
    /// Admin tools for the rules file: check, test and eval work on files alone; backtest
    /// replays the comments stored in a database.
    Rules {
        #[command(subcommand)]
        command: gatehouse::cli::RulesCommand,
    },
}

#[actix_web::main]
async fn main() -> ExitCode {
    let command = Cli::parse().command;
    // The rules tools print their own report and choose their exit status; the rest log.
    if !matches!(command, Command::Rules { .. } | Command::Learn(_)) {
        gatehouse::telemetry::init();
    }
    let result = match command {
        Command::Rules { command } => return gatehouse::cli::rules::run(command),
        Command::Learn(args) => {
            return match gatehouse::cli::learn::run(&args) {
                Ok(code) => code,
                Err(message) => {
                    eprintln!("gatehouse: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve(config) => serve(config).await,
        Command::Migrate(database) => migrate(&database),
        Command::MigrateData(args) => gatehouse::cli::transfer::run(args),
        Command::User(command) => gatehouse::cli::users::run(command),
        Command::Backup(args) => gatehouse::cli::backup::run(&args),
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

fn migrate(database: &DatabaseArgs) -> Result<(), String> {
    let url = DatabaseUrl::parse(&database.database_url).map_err(|e| e.to_string())?;
    storage::open(&url, 1, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?;
    println!("database {} is up to date", url.redacted());
    Ok(())
}
