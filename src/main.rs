//! The `gatehouse` command: `serve`, `migrate`, `migrate-data`, `user …` (accounts) and the admin
//! tools `rules check|test|eval` (on files) and `rules backtest` (on a database's comments).

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use gatehouse::app::Application;
use gatehouse::cli::users::UserCommand;
use gatehouse::config::{DatabaseArgs, ServeConfig};
use gatehouse::storage::{self, DatabaseUrl, OpenMode};
use std::path::PathBuf;
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
    Serve(Box<ServeConfig>),
    /// Create the database if needed, apply pending migrations, and exit.
    #[command(after_help = "Example:
  gatehouse migrate --database-url postgres://gatehouse@db.internal/gatehouse")]
    Migrate(DatabaseArgs),
    /// Copy every row of one database into another, empty one (e.g. SQLite to PostgreSQL).
    MigrateData(gatehouse::cli::transfer::MigrateDataArgs),
    /// Import comments from a Disqus or WordPress export, or Gatehouse's own JSON lines.
    Import(gatehouse::cli::import::ImportArgs),
    /// Export comments as JSON lines (what `import --format jsonl` reads back).
    Export(gatehouse::cli::export::ExportArgs),
    /// Manage moderator and admin accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check a config file for `serve --config`.
    #[command(subcommand)]
    Config(ConfigCommand),
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

#[derive(Subcommand)]
enum ConfigCommand {
    /// Check a config file as `serve --config` reads it: every key known, every value valid;
    /// an error names the line at fault.
    #[command(after_help = "Example:
  gatehouse config check /etc/gatehouse/gatehouse.toml")]
    Check {
        /// The file to check.
        #[arg(default_value = "gatehouse.toml")]
        file: PathBuf,
    },
}

#[actix_web::main]
async fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut command = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli.command,
        Err(err) => err.exit(),
    };
    // The config file fills what flags and variables left at their defaults.
    if let (Command::Serve(config), Some(serve)) =
        (&mut command, matches.subcommand_matches("serve"))
    {
        if let Some(path) = config.config.clone() {
            match gatehouse::config::file::read(&path) {
                Ok((file, _)) => gatehouse::config::file::apply(file, serve, config),
                Err(message) => {
                    eprintln!("gatehouse: {message}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    // The rules tools print their own report and choose their exit status; the rest log.
    match &command {
        Command::Rules { .. } | Command::Learn(_) => {}
        Command::Serve(config) => gatehouse::telemetry::init_with(config.log_format),
        _ => gatehouse::telemetry::init(),
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
        Command::Import(args) => gatehouse::cli::import::run(&args),
        Command::Export(args) => gatehouse::cli::export::run(&args),
        Command::User(command) => gatehouse::cli::users::run(command),
        Command::Backup(args) => gatehouse::cli::backup::run(&args),
        Command::Config(ConfigCommand::Check { file }) => gatehouse::config::file::check(&file)
            .map(|summary| {
                println!(
                    "{}: ok ({} settings, {} webhook endpoints)",
                    file.display(),
                    summary.settings,
                    summary.webhooks
                );
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gatehouse: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Box<ServeConfig>) -> Result<(), String> {
    let app = Application::build(&config).map_err(|e| e.to_string())?;
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

fn migrate(database: &DatabaseArgs) -> Result<(), String> {
    let url = DatabaseUrl::parse(&database.database_url).map_err(|e| e.to_string())?;
    storage::open(&url, 1, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?;
    println!("database {} is up to date", url.redacted());
    Ok(())
}
