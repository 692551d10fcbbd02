//! `gatehouse user …`: manage moderator and admin accounts from the shell.

use crate::app::open_database;
use crate::auth::{accounts, password, Role};
use crate::config::DatabaseConfig;
use crate::timestamps;
use std::io::BufRead;

/// Who the audit log names for changes made here.
const CLI_ACTOR: &str = "cli";

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account (asks for the password, or reads it from stdin).
    Add {
        username: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Set a new password; the account's sessions end.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Disable an account; its sessions end at once.
    Disable {
        username: String,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Re-enable a disabled account.
    Enable {
        username: String,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

fn read_password(from_stdin: bool) -> Result<String, String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading the password from stdin: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the passwords differ".into());
        }
        first
    };
    password::check_policy(&password).map_err(|e| e.to_string())?;
    password::hash(&password).map_err(|e| e.to_string())
}

pub fn run(command: UserCommand) -> Result<(), String> {
    let err = |e: crate::auth::AuthError| e.to_string();
    match command {
        UserCommand::Add {
            username,
            role,
            password_stdin,
            database,
        } => {
            accounts::normalize_username(&username).map_err(err)?;
            let hash = read_password(password_stdin)?;
            let pool = open_database(&database).map_err(|e| e.to_string())?;
            let user = accounts::create(&pool, &username, hash, role, CLI_ACTOR, timestamps::now())
                .map_err(err)?;
            println!("created {} ({})", user.username, user.role.as_str());
        }
        UserCommand::Passwd {
            username,
            password_stdin,
            database,
        } => {
            let hash = read_password(password_stdin)?;
            let pool = open_database(&database).map_err(|e| e.to_string())?;
            let user =
                accounts::set_password(&pool, &username, &hash, CLI_ACTOR, timestamps::now())
                    .map_err(err)?;
            println!(
                "password changed for {}; their sessions have ended",
                user.username
            );
        }
        UserCommand::Disable { username, database } => set_disabled(&username, &database, true)?,
        UserCommand::Enable { username, database } => set_disabled(&username, &database, false)?,
        UserCommand::List { database } => {
            let pool = open_database(&database).map_err(|e| e.to_string())?;
            for user in accounts::list(&pool).map_err(err)? {
                println!(
                    "{:<24} {:<10} {:<9} created {}",
                    user.username,
                    user.role.as_str(),
                    if user.disabled { "disabled" } else { "active" },
                    timestamps::rfc3339(user.created_at)
                );
            }
        }
    }
    Ok(())
}

fn set_disabled(username: &str, database: &DatabaseConfig, disabled: bool) -> Result<(), String> {
    let pool = open_database(database).map_err(|e| e.to_string())?;
    let user = accounts::update(
        &pool,
        username,
        None,
        Some(disabled),
        CLI_ACTOR,
        timestamps::now(),
    )
    .map_err(|e| e.to_string())?;
    let state = if user.disabled {
        "disabled; their sessions have ended"
    } else {
        "enabled"
    };
    println!("{} is {state}", user.username);
    Ok(())
}
