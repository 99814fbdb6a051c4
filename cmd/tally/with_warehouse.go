package main

import (
	"context"

	"github.com/spf13/cobra"
)

// withWarehouse runs fn on the app of openWarehouseApp, with the
// command's context, and closes the app.
func withWarehouse(cmd *cobra.Command, g *globals, fn func(ctx context.Context, a *app) error) error {
	a, err := openWarehouseApp(cmd.Context(), g)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(cmd.Context(), a)
}
