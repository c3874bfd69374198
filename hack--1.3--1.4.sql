-- hack--1.3--1.4.sql: the changes of issue 18 (works with the tools our users already use)
\echo Use "ALTER EXTENSION hack UPDATE TO '1.4'" to load this file. \quit
