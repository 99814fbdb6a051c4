package warehouse

import (
	"database/sql/driver"
	"fmt"

	"modernc.org/sqlite"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// SQLite has no exact decimal type: its NUMERIC affinity turns 0.1 into
// a binary float and its sum() adds floats. tally stores amounts and KPI
// values in TEXT columns as canonical decimal text (migration 0005) and
// registers these functions on its SQLite connections to do exact
// arithmetic on them:
//
//	decimal_add(a, b)  a + b
//	decimal_sum(x)     the sum of x over a group (aggregate), "0" for none
//	decimal_text(x)    x as canonical decimal text (REAL values of rows
//	                   written before 0005 by their shortest form)
//
// NULL arguments are skipped by decimal_sum and make decimal_add and
// decimal_text NULL, as in SQL arithmetic.
const (
	sqliteDecimalAdd  = "decimal_add"
	sqliteDecimalSum  = "decimal_sum"
	sqliteDecimalText = "decimal_text"
)

// registerDecimalFuncs adds the decimal functions to the connections d
// opens.
func registerDecimalFuncs(d *sqlite.Driver) error {
	funcs := map[string]*sqlite.FunctionImpl{
		sqliteDecimalAdd: {NArgs: 2, Deterministic: true, Scalar: func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			if args[0] == nil || args[1] == nil {
				return nil, nil
			}
			a, err := sqliteDecimal(args[0])
			if err != nil {
				return nil, err
			}
			b, err := sqliteDecimal(args[1])
			if err != nil {
				return nil, err
			}
			return a.Add(b).String(), nil
		}},
		sqliteDecimalText: {NArgs: 1, Deterministic: true, Scalar: func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			if args[0] == nil {
				return nil, nil
			}
			v, err := sqliteDecimal(args[0])
			if err != nil {
				return nil, err
			}
			return v.String(), nil
		}},
		sqliteDecimalSum: {NArgs: 1, Deterministic: true, MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) {
			return &decimalSum{}, nil
		}},
	}
	for _, name := range []string{sqliteDecimalAdd, sqliteDecimalSum, sqliteDecimalText} {
		if err := d.RegisterFunction(name, funcs[name]); err != nil {
			return fmt.Errorf("registering sqlite function %s: %w", name, err)
		}
	}
	return nil
}

// sqliteDecimal reads a value SQLite passes to a function: text or blob
// holding a decimal, or a number of a row stored before 0005. The error
// names no value.
func sqliteDecimal(v any) (decimal.Decimal, error) {
	var d decimal.Decimal
	if err := d.Scan(v); err != nil {
		return decimal.Decimal{}, fmt.Errorf("decimal argument: %w", err)
	}
	return d, nil
}

// decimalSum is one evaluation of decimal_sum.
type decimalSum struct{ sum decimal.Decimal }

func (s *decimalSum) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	if args[0] == nil {
		return nil
	}
	v, err := sqliteDecimal(args[0])
	if err != nil {
		return err
	}
	s.sum = s.sum.Add(v)
	return nil
}

func (s *decimalSum) WindowInverse(_ *sqlite.FunctionContext, args []driver.Value) error {
	if args[0] == nil {
		return nil
	}
	v, err := sqliteDecimal(args[0])
	if err != nil {
		return err
	}
	s.sum = s.sum.Sub(v)
	return nil
}

func (s *decimalSum) WindowValue(*sqlite.FunctionContext) (driver.Value, error) {
	return s.sum.String(), nil
}

func (s *decimalSum) Final(*sqlite.FunctionContext) {}
