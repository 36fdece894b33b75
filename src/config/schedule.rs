//! `backup.schedule`: a cron expression, in UTC, its seconds field optional.

use croner::{
    Cron,
    parser::{CronParser, Seconds},
};

pub fn parse(expression: &str) -> Result<Cron, String> {
    CronParser::builder().seconds(Seconds::Optional).build().parse(expression).map_err(|e| e.to_string())
}
