#!/usr/bin/env node
// Alias of `continuous-load synth ARGS` (bin/continuous-load.js), for scripts and tests that name this file.
'use strict';
process.argv.splice(2, 0, 'synth');
require('../bin/continuous-load.js');
