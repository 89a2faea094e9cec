/** Printer faults a ККТ reports in its status; either one stops printing (and so fiscal work). */
export interface DeviceFaults {
  paperOut: boolean;
  coverOpen: boolean;
}
