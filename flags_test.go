package main

import "flag"

var update = flag.Bool("update", false, "update golden files in test scripts")
