// The certification channels' events. Not in the catalogue (the certification namespace is not
// validated), so typed here; examples/services/simulators.mjs `certification` publishes them and
// CollaborationPanel publishes chat messages.

/** certification:timer:{user_id}: the exam's end as an absolute instant (server clock, unix ms). */
export interface ExamTimer {
  type: 'exam_timer';
  examId: string;
  userId: string;
  endsAt: number;
  durationMs: number;
  timestamp: string;
}

/** certification:exam:{exam_id}: what the proctoring saw. */
export interface ProctoringEvent {
  type: 'proctoring_event';
  examId: string;
  userId: string;
  event: 'tab_switch' | 'face_not_visible' | 'multiple_faces' | 'focus_regained';
  severity: 'info' | 'warning' | 'critical';
  timestamp: string;
}

/** certification:exam:{exam_id}: a candidate's message in the collaboration panel. */
export interface ChatMessage {
  type: 'chat';
  userId: string;
  text: string;
  timestamp: string;
}

/** certification:results:{user_id}. */
export interface ExamResult {
  type: 'exam_result';
  examId: string;
  userId: string;
  score: number;
  passed: boolean;
  timestamp: string;
}

export type ExamChannelEvent = ProctoringEvent | ChatMessage;

export const examOf = (tenant: string) => `exam-${tenant}`;
