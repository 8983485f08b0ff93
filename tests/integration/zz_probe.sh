#!/usr/bin/env bash
echo "ok - guest up"
