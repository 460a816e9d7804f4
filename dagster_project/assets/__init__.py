"""Assets of the nightly pipeline: raw landing, dbt models, publishing."""
