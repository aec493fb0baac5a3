// Package config defines hourglass experiments: one typed struct per YAML
// section, every default in one place (Default), range checks (Validate) and
// the loader (Load) that layers defaults, a YAML file, HOURGLASS_*
// environment variables and --set overrides, in that order of precedence.
//
// Stage packages take these structs; only this package touches viper, and it
// always uses a local viper.New(), never viper's global instance.
package config
