package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// loadConfig fills out (keys as in its JSON tags), the settings of one config section, from (lowest to
// highest priority) the flags' defaults, the --config YAML file, ZPD_
// environment variables and the flags set on the command line. A flag named
// "attempts-per-learner" in section "simulate" is the key
// simulate.attempts_per_learner, the env var ZPD_SIMULATE_ATTEMPTS_PER_LEARNER.
func loadConfig(cmd *cobra.Command, section string, out any) error {
	v := viper.New()
	v.SetEnvPrefix("ZPD")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if file, _ := cmd.Flags().GetString("config"); file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return fmt.Errorf("config %s: %w", file, err)
		}
	}
	var bindErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "config" || f.Name == "help" || bindErr != nil {
			return
		}
		bindErr = v.BindPFlag(configKey(section, f.Name), f)
	})
	if bindErr != nil {
		return bindErr
	}
	settings, _ := v.AllSettings()[section].(map[string]any)
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           out,
		TagName:          "json", // one set of key names for config files, JSON output and artifacts
		Squash:           true,   // embedded package configs sit at the section's top level
		WeaklyTypedInput: true,   // env vars and YAML scalars arrive as strings
		ErrorUnused:      true,   // a misspelt key is an error, not a silent default
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToTimeHookFunc(time.RFC3339),
		),
	})
	if err != nil {
		return err
	}
	if err := dec.Decode(settings); err != nil {
		return fmt.Errorf("config section %q: %w", section, err)
	}
	return nil
}

func configKey(section, flag string) string {
	return section + "." + strings.ReplaceAll(flag, "-", "_")
}
