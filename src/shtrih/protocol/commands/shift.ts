import { passwordOnlyCommand, passwordOperatorCommand } from './codec.ts';

/** E0h: the documents print the answer without an error byte; javapos reads one, so kkt-emu sends `E0 00 op`. */
export const openShift = passwordOperatorCommand(0xe0, 'Open shift');
/** FF41h: begin opening a shift; TLVs (FF0Ch, e.g. 1021 cashier) may follow before E0h. */
export const beginOpenShift = passwordOnlyCommand(0xff41, 'Begin open shift');
/** FF42h: begin closing a shift; TLVs may follow before 41h. */
export const beginCloseShift = passwordOnlyCommand(0xff42, 'Begin close shift');
/** 41h: Z report, closes the shift in the ФН too. */
export const zReport = passwordOperatorCommand(0x41, 'Z report (close shift)');
/** 40h: X report, no fiscal document. */
export const xReport = passwordOperatorCommand(0x40, 'X report');
