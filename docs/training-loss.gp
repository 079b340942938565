# gnuplot docs/training-loss.gp (from the repository root) redraws docs/training-loss.svg
set terminal svg size 720,420 font "sans,12"
set output "docs/training-loss.svg"
set datafile separator "\t"
set title "Austen llama (5.87M parameters): loss per token, one thread"
set xlabel "step (16 x 256 tokens each)"
set ylabel "nats/token"
set yrange [2.5:5.5]
set grid
set key top right box opaque
plot "docs/training-loss.tsv" every ::2 using 1:2 with linespoints title "train (running mean, dropout on)", \
     "docs/training-loss.tsv" every ::1 using 1:3 with linespoints title "validation (held-out 5%)", \
     3.1 with lines dashtype 2 title "target: 3.1"
